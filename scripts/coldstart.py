#!/usr/bin/env python3
"""Cold start and warm latency of a Lambda function binary, run as Lambda runs it.

Serves the Lambda Runtime API (next invocation, response, error) on loopback,
starts the binary with AWS_LAMBDA_RUNTIME_API pointing at it, and hands it
events one at a time.

  cold start   process start to the first response posted back, for EVENT,
               in RUNS fresh processes (median, min, max)
  warm         with --warm WARM_EVENT: one more fresh process is given EVENT,
               then WARM_EVENT 1 + WARM_RUNS times; the first WARM_EVENT
               (the first request on a new connection to DynamoDB, say) is
               reported alone, the rest as p50/p99: event handed out by
               /next to its response posted back
  peak memory  the largest VmHWM of any of those processes, read after its
               last response

usage: coldstart.py BINARY EVENT_JSON [RUNS] [--warm WARM_EVENT_JSON] [--warm-runs N]
(the function's environment is inherited; prints one JSON object)
"""
import argparse
import http.server
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time


class RuntimeApi:
    """A Lambda Runtime API serving a fixed list of events, in order."""

    def __init__(self, events, deadline_s=30):
        self.events = list(events)
        self.deadline_ms = int(deadline_s * 1000)
        self.next_index = 0
        self.served = {}  # request id -> perf_counter when handed out
        self.results = queue.Queue()  # (request id, ok, t_response, payload)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Keep-alive with Nagle's algorithm would add ~40 ms delayed-ACK
            # stalls to warm invocations that Lambda does not have.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                # Head and body in one write.
                self._headers_buffer.append(b"\r\n")
                self._headers_buffer.append(body)
                self.flush_headers()

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    return self.reply(404)
                if api.next_index >= len(api.events):
                    # Nothing more to run: hold the poll until the process is killed.
                    threading.Event().wait(120)
                    return
                i = api.next_index
                api.next_index += 1
                rid = f"bench-{i}"
                body = json.dumps(api.events[i]).encode()
                api.served[rid] = time.perf_counter()
                self.reply(200, body, (
                    ("Lambda-Runtime-Aws-Request-Id", rid),
                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + api.deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:bench"),
                    ("Content-Type", "application/json"),
                ))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = self.rfile.read(length)
                t = time.perf_counter()
                parts = self.path.split("/")
                if "invocation" in parts and (self.path.endswith("/response") or self.path.endswith("/error")):
                    rid = parts[parts.index("invocation") + 1]
                    api.results.put((rid, self.path.endswith("/response"), t, payload))
                self.reply(202)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the process was killed mid-poll: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run_process(binary, events, deadline_s=30):
    """Starts BINARY on a fresh Runtime API serving EVENTS, each with
    DEADLINE_S seconds (the invocation's deadline, and how long a response
    is waited for); returns (t_start, [(served, responded, ok, payload)],
    peak RSS in kB)."""
    api = RuntimeApi(events, deadline_s)
    env = dict(os.environ)
    env["AWS_LAMBDA_RUNTIME_API"] = api.address
    env.setdefault("AWS_LAMBDA_FUNCTION_NAME", "bench")
    env.setdefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    env.setdefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    out = []
    with tempfile.TemporaryFile() as errlog:
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=errlog)
        try:
            for _ in events:
                deadline = time.perf_counter() + deadline_s
                while True:
                    try:
                        rid, ok, t, payload = api.results.get(timeout=0.05)
                        break
                    except queue.Empty:
                        if proc.poll() is not None or time.perf_counter() > deadline:
                            why = f"exited with {proc.returncode}" if proc.returncode is not None else f"no response within {deadline_s} s"
                            errlog.seek(0)
                            tail = errlog.read().decode(errors="replace")[-3000:]
                            sys.exit(f"{binary}: {why}; its stderr:\n{tail}")
                out.append((api.served[rid], t, ok, payload))
            hwm_kb = 0
            try:
                with open(f"/proc/{proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm_kb = int(line.split()[1])
            except OSError:
                pass
        finally:
            proc.kill()
            proc.wait()
            api.close()
    return t0, out, hwm_kb


def measure(binary, event, runs, deadline_s=30):
    """RUNS cold starts on EVENT: [(ms, peak RSS kB, ok, response)] (used by
    scripts/trigger-bench.sh, and by scripts/import-bench.sh with the import
    function's own timeout as DEADLINE_S: with 30 s, less than its margin,
    an apply hands over after its first row)."""
    results = []
    for _ in range(runs):
        t0, out, kb = run_process(binary, [event], deadline_s)
        served, t, ok, payload = out[0]
        results.append(((t - t0) * 1000, kb, ok, payload))
    return results


def status_of(ok, payload):
    """An HTTP function's statusCode; "ok"/"error" for an event function."""
    if not ok:
        return "error"
    try:
        v = json.loads(payload or b"{}")
    except ValueError:
        return "ok"
    return v.get("statusCode", "ok") if isinstance(v, dict) else "ok"


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("event")
    ap.add_argument("runs", nargs="?", type=int, default=10)
    ap.add_argument("--warm")
    ap.add_argument("--warm-runs", type=int, default=200)
    a = ap.parse_args()
    with open(a.event) as f:
        event = json.load(f)

    runs = measure(a.binary, event, a.runs)
    cold = [r[0] for r in runs]
    hwm = max(r[1] for r in runs)
    first_status = status_of(runs[0][2], runs[0][3])
    result = {
        "binary": os.path.basename(a.binary),
        "runs": a.runs,
        "cold_start_ms_median": round(statistics.median(cold), 2),
        "cold_start_ms_min": round(min(cold), 2),
        "cold_start_ms_max": round(max(cold), 2),
        "first_status": first_status,
    }
    if a.warm:
        with open(a.warm) as f:
            warm_event = json.load(f)
        _, out, kb = run_process(a.binary, [event] + [warm_event] * (1 + a.warm_runs))
        hwm = max(hwm, kb)
        first, rest = out[1], out[2:]
        times = [(t - s) * 1000 for s, t, _, _ in rest]
        statuses = sorted({str(status_of(ok, p)) for _, _, ok, p in out[1:]})
        result.update({
            "warm_runs": len(rest),
            "warm_first_ms": round((first[1] - first[0]) * 1000, 2),
            "warm_p50_ms": round(percentile(times, 50), 2),
            "warm_p99_ms": round(percentile(times, 99), 2),
            "warm_max_ms": round(max(times), 2),
            "warm_statuses": statuses,
        })
    result["peak_rss_mb"] = round(hwm / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
