#!/usr/bin/env python3
"""Cold start of a Lambda function binary, measured like Lambda starts it.

Serves the Lambda Runtime API (next invocation, response) on loopback, starts
the binary with AWS_LAMBDA_RUNTIME_API pointing at it, and times process start
to the first response posted back. Repeats N times and prints the median, with
the peak resident memory (VmHWM) of the process after its first response.

usage: coldstart.py BINARY EVENT_JSON [RUNS]   (the function's env is inherited)
"""
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def serve_once(binary, event):
    """One cold start: a fresh Runtime API server and a fresh process."""
    state = {}
    done = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.endswith("/runtime/invocation/next"):
                if state.get("served"):
                    # Hold the second poll until the process is killed.
                    threading.Event().wait(60)
                    return
                state["served"] = True
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:bench")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            payload = self.rfile.read(length)
            if "/response" in self.path or "/error" in self.path:
                state["t_response"] = time.perf_counter()
                state["response"] = payload
                state["ok"] = "/response" in self.path
                done.set()
            self.send_response(202)
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
    env.setdefault("AWS_LAMBDA_FUNCTION_NAME", "bench")
    env.setdefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    env.setdefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    with tempfile.TemporaryFile() as errlog:
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=errlog)
        deadline = t0 + 30
        while not done.wait(0.05):
            if proc.poll() is not None or time.perf_counter() > deadline:
                why = f"exited with {proc.returncode}" if proc.returncode is not None else "no response within 30 s"
                proc.kill()
                proc.wait()
                server.shutdown()
                server.server_close()
                errlog.seek(0)
                tail = errlog.read().decode(errors="replace")[-3000:]
                sys.exit(f"{binary}: {why}; its stderr:\n{tail}")
        ms = (state["t_response"] - t0) * 1000
        hwm_kb = 0
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm_kb = int(line.split()[1])
        except OSError:
            pass
        proc.kill()
        proc.wait()
    server.shutdown()
    server.server_close()
    return ms, hwm_kb, state.get("ok"), state.get("response", b"")


def measure(binary, event, runs):
    return [serve_once(binary, event) for _ in range(runs)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, event_file = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    with open(event_file) as f:
        event = json.load(f)
    results = measure(binary, event, runs)
    times = [r[0] for r in results]
    hwm = max(r[1] for r in results)
    first = json.loads(results[0][3] or b"{}") if results[0][2] else None
    # HTTP functions answer with a statusCode; event functions with a report.
    status = first.get("statusCode", "ok") if isinstance(first, dict) else ("ok" if results[0][2] else "error")
    print(json.dumps({
        "binary": os.path.basename(binary),
        "runs": runs,
        "cold_start_ms_median": round(statistics.median(times), 2),
        "cold_start_ms_min": round(min(times), 2),
        "cold_start_ms_max": round(max(times), 2),
        "peak_rss_mb": round(hwm / 1024, 1),
        "first_status": status,
    }))


if __name__ == "__main__":
    main()
