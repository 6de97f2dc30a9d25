#!/usr/bin/env bash
# make bench-import: a bulk import of 10,000 employees through the import
# function (`import-uploaded`), against a throwaway local stack (DynamoDB
# Local in memory and the local S3 endpoint on free ports, stopped whatever
# happens). Figures, never a test: nothing fails on a time.
#
#   1. target/release/import-bench (tests/bin/import_bench.rs): 3 imports,
#      each PUT through its presigned URL and checked in-process by
#      events::import_uploaded::handle (PUT time, check time, PUT returned →
#      `validated`, DynamoDB requests), then 2 of them applied
#      (POST /imports/{id}/apply → `applied`, rows/s, DynamoDB requests).
#   2. the real release binary under scripts/coldstart.py: 3 checks, each on
#      a fresh pending upload (`import-bench pending`), and 2 applies, each of
#      a fresh validated import (`import-bench applying`): process start to
#      response and peak RSS (VmHWM), then the import's status.
#
# IMPORT_BENCH_ROWS (10000), IMPORT_BENCH_CHECKS (3) and IMPORT_BENCH_APPLIES
# (2) set the rows of each file and the runs of each half, in both parts.
#
# Writes its section of docs/performance.md between <!-- bench:import:start -->
# and <!-- bench:import:end --> and leaves the rest alone.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=bench-import

export IMPORT_BENCH_ROWS="${IMPORT_BENCH_ROWS:-10000}"
export IMPORT_BENCH_CHECKS="${IMPORT_BENCH_CHECKS:-3}"
export IMPORT_BENCH_APPLIES="${IMPORT_BENCH_APPLIES:-2}"
# The function's Timeout in template.yaml, as the invocation's deadline: the
# apply keeps a minute's margin and hands over to a next run within it.
TIMEOUT_S=900
DOC="$ROOT/docs/performance.md"

t0=$SECONDS
step() { log "[$((SECONDS - t0))s] $*"; }

"$ROOT/scripts/install.sh"
use_venv
build_devstack

# Release builds first (minutes the first time: fat LTO, one codegen unit),
# so the stack is not left idle meanwhile.
step "cargo build --release -p import-uploaded ($(uname -m) host build, not the arm64 deploy build)"
tb=$SECONDS
release_build -p import-uploaded
step "  built in $((SECONDS - tb))s"
tb=$SECONDS
step "cargo build --release -p tenure-tests --bin import-bench"
release_build -p tenure-tests --bin import-bench
step "  built in $((SECONDS - tb))s"
BIN="$TARGET_DIR/release/import-uploaded"
BENCH="$TARGET_DIR/release/import-bench"

start_throwaway_stack bench-import
step "stack ready"
MACHINE_LINE="$(machine_line)"
export MACHINE_LINE

step "in-process: $BENCH ($IMPORT_BENCH_ROWS rows, $IMPORT_BENCH_CHECKS checks, $IMPORT_BENCH_APPLIES applies)"
tb=$SECONDS
(cd "$ROOT" && "$BENCH") >"$RUN_DIR/inproc.json"
cat "$RUN_DIR/inproc.json"
step "  in-process done in $((SECONDS - tb))s"

# The function's own environment: the table, the bucket, the local endpoints
# and the stack's dummy credentials, all from stack.env (already exported).
: "${TENURE_TABLE:?}" "${TENURE_BUCKET:?}" "${AWS_ENDPOINT_URL_S3:?}" "${AWS_ENDPOINT_URL_DYNAMODB:?}"

# cold PHASE EVENT_FILE: scripts/coldstart.py's measure(BIN, EVENT, 1) with
# the function's timeout as the deadline, called directly for the
# function's answer (its list of outcomes) besides the time and the peak
# memory; one JSON line.
cold() {
  (cd "$ROOT" && python3 - "$BIN" "$2" "$TIMEOUT_S" "$1" <<'PY'
import json, os, sys
sys.path.insert(0, "scripts")
import coldstart
binary, event_file, timeout, phase = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
[(ms, hwm_kb, ok, response)] = coldstart.measure(binary, json.load(open(event_file)), 1, timeout)
print(json.dumps({"phase": phase, "binary": os.path.basename(binary), "ms": round(ms, 1),
                  "peak_rss_mb": round(hwm_kb / 1024, 1), "ok": bool(ok),
                  "response": json.loads(response or b"null")}))
PY
  )
}

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# record COLD_JSON STATUS_JSON: both as one line of cold.jsonl.
record() {
  python3 -c 'import json,sys; c=json.loads(sys.argv[1]); c["after"]=json.loads(sys.argv[2]); print(json.dumps(c))' "$1" "$2" |
    tee -a "$RUN_DIR/cold.jsonl"
}

: >"$RUN_DIR/cold.jsonl"
for ((i = 1; i <= IMPORT_BENCH_CHECKS; i++)); do
  ev="$RUN_DIR/check-$i.json"
  step "check $i/$IMPORT_BENCH_CHECKS: a fresh pending upload ($BENCH pending)"
  ids="$("$BENCH" pending "$ev")"
  email="$(field "$ids" email)"
  import="$(field "$ids" import_id)"
  step "  scripts/coldstart.py's measure($BIN, $ev, 1, deadline ${TIMEOUT_S}s) (import $import, pending)"
  c="$(cold check "$ev")"
  after="$("$BENCH" status "$email" "$import")"
  [[ "$(field "$after" status)" == validated ]] || die "import $import after the check: $after"
  record "$c" "$after"
done
for ((i = 1; i <= IMPORT_BENCH_APPLIES; i++)); do
  ev="$RUN_DIR/apply-$i.json"
  step "apply $i/$IMPORT_BENCH_APPLIES: a fresh validated import, asked to apply ($BENCH applying)"
  ids="$("$BENCH" applying "$ev")"
  email="$(field "$ids" email)"
  import="$(field "$ids" import_id)"
  step "  scripts/coldstart.py's measure($BIN, $ev, 1, deadline ${TIMEOUT_S}s) (import $import, applying; $IMPORT_BENCH_ROWS rows take minutes)"
  c="$(cold apply "$ev")"
  after="$("$BENCH" status "$email" "$import")"
  python3 - "$after" "$IMPORT_BENCH_ROWS" <<'PY' || die "import $import after the apply: $after"
import json, sys
a, n = json.loads(sys.argv[1]), int(sys.argv[2])
sys.exit(0 if a["status"] == "applied" and a["applied"] == {"created": n, "existing": 0, "skipped": 0, "failed": 0} else 1)
PY
  record "$c" "$after"
done

python3 - "$RUN_DIR/inproc.json" "$RUN_DIR/cold.jsonl" "$TIMEOUT_S" >"$RUN_DIR/import.md" <<'PY'
import json, os, statistics, sys
inproc = json.load(open(sys.argv[1]))
cold = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
timeout = int(sys.argv[3])
checks = [c for c in cold if c["phase"] == "check"]
applies = [c for c in cold if c["phase"] == "apply"]
n = inproc["rows"]
BUDGET_MB = 64


def ms(v):
    return f"{v:,.1f} ms" if v < 10_000 else f"{v / 1000:,.1f} s"


def span(s):
    return f"{ms(s['min'])} – {ms(s['max'])}" if len(s["runs"]) > 1 else ""


def runs_of(k, what):
    return f"{k} {what}{'' if k == 1 else 's'}"


def ops(reqs):
    """'12 (BatchGetItem 1, TransactWriteItems 10, …)' for one run, or the
    runs' totals when they differ."""
    totals = sorted({r["total"] for r in reqs})
    first = reqs[0]
    detail = ", ".join(f"`{k}` {v:,}" for k, v in first["by_operation"].items())
    same = all(r["by_operation"] == first["by_operation"] for r in reqs)
    head = f"{first['total']:,}" if len(totals) == 1 else " / ".join(f"{t:,}" for t in (r["total"] for r in reqs))
    return f"{head} ({detail}{'' if same else '; first run'})"


out = []
w = out.append
w(f"## Bulk import of {n:,} employees")
w("")
w("`make bench-import` (`scripts/import-bench.sh`), against a throwaway local stack. Each file is an employees")
w(f"CSV of {n:,} rows, {inproc['size_bytes']:,} bytes (email, full name, job title, department, hourly rate,")
w("start date); every row is a new person (each file's emails carry a ULID of their own), and")
w(f"{inproc['rows_with_department']:,} of the rows name one of the company's two departments (the rest none).")
w("The file is PUT through the presigned URL from `POST /imports` to the local S3 endpoint. One shared machine,")
w("no network: the times are for orientation and comparing runs, not what S3, DynamoDB and Lambda give (each")
w("row of the apply is one DynamoDB round trip, so on AWS its latency sets the rate).")
w("")
w(os.environ["MACHINE_LINE"])
w("")
w("### In-process")
w("")
w("`cargo build --release -p tenure-tests --bin import-bench`, then `target/release/import-bench`")
w(f"(`tests/bin/import_bench.rs`): {runs_of(inproc['checks'], 'import')} in one company, each PUT and then checked by")
w("`tenure_core::events::import_uploaded::handle` on the upload's S3 event (read the file, check every row,")
w("copy the checked bytes to `imported/`, the audited write of the report, delete the upload), and read back")
w(f"`validated`; then {inproc['applies']} of them applied: `POST /imports/{{id}}/apply` (202, `applying`, the")
w("marker written) and `handle` on the marker's event (one transaction per row with its row guard, a checkpoint")
w("every 100 rows, the audited `applied`), read back `applied` with every row `created`; the departments'")
w("`people` counts were checked to have grown by the rows that name them.")
w("")
w("DynamoDB requests are counted by the test harness's `CallCounter` (`tenure_core::store::counter`), an SDK")
w("interceptor on the function's own DynamoDB client (`store::client_for`, as deployed), which records every")
w("operation sent (a failed one with `!`): the log is emptied just before `handle()` and read just after it,")
w("nothing else running. The HTTP route's own requests are counted the same way, by the harness.")
w("")
w("| figure | median | min – max |")
w("|---|---:|---:|")
w(f"| PUT of {inproc['size_bytes']:,} bytes through the presigned URL | {ms(inproc['put_ms']['median'])} | {span(inproc['put_ms'])} |")
w(f"| the check, `handle()` on the `.csv` event | {ms(inproc['check_ms']['median'])} | {span(inproc['check_ms'])} |")
w(f"| upload complete → `validated` (PUT returned → `handle()` returned) | {ms(inproc['upload_to_validated_ms']['median'])} | {span(inproc['upload_to_validated_ms'])} |")
if inproc["applies"]:
    w(f"| apply, `POST /imports/{{id}}/apply` sent → `handle()` on the marker returned `applied` | {ms(inproc['apply_ms']['median'])} | {span(inproc['apply_ms'])} |")
    w(f"| of which `handle()` | {ms(inproc['apply_handle_ms']['median'])} | {span(inproc['apply_handle_ms'])} |")
    r = inproc["rows_per_s"]
    r_span = f"{r['min']:,.0f} – {r['max']:,.0f}" if len(r["runs"]) > 1 else ""
    w(f"| rows written a second (rows ÷ the apply above) | {r['median']:,.0f} | {r_span} |")
w("")
w("| DynamoDB requests | per run |")
w("|---|---|")
w(f"| the check (`handle()` on the `.csv` event; {runs_of(inproc['checks'], 'run')}) | {ops(inproc['check_requests'])} |")
if inproc["applies"]:
    w(f"| `POST /imports/{{id}}/apply` (the route) | {ops(inproc['apply_route_requests'])} |")
    w(f"| the apply (`handle()` on the marker, {n:,} rows; {runs_of(inproc['applies'], 'run')}) | {ops(inproc['apply_requests'])} |")
if inproc["applies"]:
    tx = inproc["apply_requests"][0]["by_operation"].get("TransactWriteItems", 0)
    checkpoints = max(0, -(-n // 100) - 1)
    w("")
    w(f"The apply's `TransactWriteItems`: {tx:,} = {n:,} rows (one transaction each: the row guard, the person, their")
    w("search entries and credential, and the department's count when the row names one)"
      + (f" + {checkpoints:,} checkpoints (one every 100 rows) + the final audited `applied`."
         if tx == n + checkpoints + 1 else f"; {n:,} rows + {checkpoints:,} checkpoints + 1 would be {n + checkpoints + 1:,}."))
w("")
w("### The real function binary")
w("")
w(f"`cargo build --release -p import-uploaded`, an {os.uname().machine} host build (the stack deploys arm64")
w("builds) with the workspace release profile, run under `scripts/coldstart.py` (a local Lambda Runtime API)")
w("with the function's environment (`TENURE_TABLE`, `TENURE_BUCKET`, `AWS_ENDPOINT_URL_DYNAMODB`,")
w("`AWS_ENDPOINT_URL_S3`, the stack's dummy credentials and region): `measure(target/release/import-uploaded,")
w(f"<event.json>, 1, {timeout})`, one fresh process per run, the invocation's deadline {timeout} s away (the")
w("function's `Timeout` in template.yaml; the apply keeps a minute's margin before it). The time is process")
w("start to the response posted to the Runtime API, so cold start plus the whole check or apply; the memory is")
w("the process's peak resident set (VmHWM) read after it; rows/s is the rows over the median time, cold start")
w("included.")
w("")
w("- check, per run: a fresh pending upload (`target/release/import-bench pending <event.json>`: a new company")
w("  with the two departments, `POST /imports`, the PUT, the S3 `ObjectCreated:Put` event of the `.csv` key")
w("  written to the file), the binary, then the import read back through `GET /imports/{id}`: "
  + ", ".join(sorted({c['after']['status'] for c in checks})) + ".")
if applies:
    w("- apply, per run: a fresh validated import (`import-bench applying <event.json>`: the same, checked")
    w("  in-process, then `POST /imports/{id}/apply`; the event of its `.apply` marker written to the file), the")
    seen = sorted({f"{a['after']['status']}, {a['after']['applied']['created']:,} created" for a in applies})
    w("  binary, then the import read back: " + "; ".join(seen) + (" (each run)." if len(applies) > 1 else "."))
w("")
w("| runs | what | time, median | min – max | rows/s | peak RSS, max of runs | budget |")
w("|---:|---|---:|---:|---:|---:|---:|")
for phase, runs in (("check", checks), ("apply", applies)):
    if not runs:
        continue
    t = [c["ms"] for c in runs]
    rss = max(c["peak_rss_mb"] for c in runs)
    rate = f"{n / (statistics.median(t) / 1000):,.0f}" if phase == "apply" else ""
    what = f"cold start + check of {n:,} rows" if phase == "check" else f"cold start + apply of {n:,} rows"
    spread = f"{ms(min(t))} – {ms(max(t))}" if len(t) > 1 else ""
    w(f"| {len(runs)} | {what} | {ms(statistics.median(t))} | {spread} | {rate} | {rss} MB"
      f" | {BUDGET_MB} MB ({'within' if rss <= BUDGET_MB else 'OVER'}) |")
print("\n".join(out))
PY

splice_doc "$DOC" "$RUN_DIR/import.md" bench:import

echo
cat "$RUN_DIR/import.md"
echo
log "wrote ${DOC#"$ROOT"/} in $((SECONDS - t0))s"
