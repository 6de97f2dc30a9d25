#!/usr/bin/env bash
# make bench-trigger: the upload trigger (`document-uploaded`) on a 10 MiB
# PDF, against a throwaway local stack (DynamoDB Local in memory and the
# local S3 endpoint on free ports, stopped whatever happens). Figures, never
# a test: nothing fails on a time.
#
#   1. target/release/trigger-bench (tests/bin/trigger_bench.rs): 5 uploads
#      through presigned URLs, each checked in-process by
#      events::document_uploaded::handle: PUT time, check time, PUT returned
#      → `available`.
#   2. the real release binary under scripts/coldstart.py, 5 runs, each on a
#      fresh pending 10 MiB upload (`trigger-bench pending`): cold start +
#      processing time and peak RSS (VmHWM), then the document's status.
#
# Writes its section of docs/performance.md between <!-- bench:trigger:start -->
# and <!-- bench:trigger:end --> and leaves the rest alone.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=bench-trigger

RUNS="${TRIGGER_BENCH_RUNS:-5}"
DOC="$ROOT/docs/performance.md"

t0=$SECONDS
step() { log "[$((SECONDS - t0))s] $*"; }

"$ROOT/scripts/install.sh"
use_venv
build_devstack

# Release builds first (minutes the first time: fat LTO, one codegen unit),
# so the stack is not left idle meanwhile.
step "cargo build --release -p document-uploaded ($(uname -m) host build, not the arm64 deploy build)"
tb=$SECONDS
release_build -p document-uploaded
step "  built in $((SECONDS - tb))s"
tb=$SECONDS
step "cargo build --release -p tenure-tests --bin trigger-bench"
release_build -p tenure-tests --bin trigger-bench
step "  built in $((SECONDS - tb))s"
BIN="$TARGET_DIR/release/document-uploaded"
BENCH="$TARGET_DIR/release/trigger-bench"

start_throwaway_stack bench-trigger
step "stack ready"
MACHINE_LINE="$(machine_line)"
export MACHINE_LINE

step "in-process: $BENCH"
(cd "$ROOT" && "$BENCH") >"$RUN_DIR/inproc.json"
cat "$RUN_DIR/inproc.json"

# The function's own environment: the table, the bucket, the local endpoints
# and the stack's dummy credentials, all from stack.env (already exported).
: "${TENURE_TABLE:?}" "${TENURE_BUCKET:?}" "${AWS_ENDPOINT_URL_S3:?}" "${AWS_ENDPOINT_URL_DYNAMODB:?}"
: >"$RUN_DIR/cold.jsonl"
for ((i = 1; i <= RUNS; i++)); do
  ev="$RUN_DIR/event-$i.json"
  ids="$("$BENCH" pending "$ev")"
  email="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["email"])' "$ids")"
  document="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["document_id"])' "$ids")"
  step "cold start $i/$RUNS: scripts/coldstart.py's measure($BIN, $ev, 1) (document $document, pending)"
  # scripts/coldstart.py's measure() is called directly for the function's
  # answer (its list of outcomes) besides the time and the peak memory.
  cold="$(cd "$ROOT" && python3 - "$BIN" "$ev" <<'PY'
import json, os, sys
sys.path.insert(0, "scripts")
import coldstart
binary, event_file = sys.argv[1], sys.argv[2]
[(ms, hwm_kb, ok, response)] = coldstart.measure(binary, json.load(open(event_file)), 1)
print(json.dumps({"binary": os.path.basename(binary), "runs": 1, "cold_start_ms_median": round(ms, 2),
                  "peak_rss_mb": round(hwm_kb / 1024, 1), "ok": bool(ok),
                  "response": json.loads(response or b"null")}))
PY
)"
  status="$("$BENCH" status "$email" "$document")"
  [[ "$status" == available ]] || die "document $document is $status after the function ran, not available"
  python3 -c 'import json,sys; c=json.loads(sys.argv[1]); c["status_after"]=sys.argv[2]; print(json.dumps(c))' "$cold" "$status" | tee -a "$RUN_DIR/cold.jsonl"
done

python3 - "$RUN_DIR/inproc.json" "$RUN_DIR/cold.jsonl" "$BIN" >"$RUN_DIR/trigger.md" <<'PY'
import json, os, statistics, sys
inproc = json.load(open(sys.argv[1]))
cold = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
binary = sys.argv[3]
times = [c["cold_start_ms_median"] for c in cold]
rss = max(c["peak_rss_mb"] for c in cold)
out = []
w = out.append
w("## Upload trigger on a 10 MiB file")
w("")
w("`make bench-trigger` (`scripts/trigger-bench.sh`), against a throwaway local stack. The object is a")
w(f"{inproc['size_bytes']:,}-byte PDF (`%PDF-1.7\\n` and padding), the largest upload allowed, PUT through")
w("the presigned URL from `POST /documents/upload-url` to the local S3 endpoint. One shared machine, no")
w("network: the times are for orientation and comparing runs, not what S3, DynamoDB and Lambda give.")
w("")
w(os.environ["MACHINE_LINE"])
w("")
w("### In-process")
w("")
w("`cargo build --release -p tenure-tests --bin trigger-bench`, then `target/release/trigger-bench`")
w("(`tests/bin/trigger_bench.rs`): 5 uploads, each PUT and then checked by")
w("`tenure_core::events::document_uploaded::handle` (stream the object, magic bytes, size, SHA-256, the")
w("conditional write to `available` with its audit event); the document is then read back `available`.")
w("")
w("| figure | median | min – max |")
w("|---|---:|---:|")
w(f"| PUT of 10 MiB through the presigned URL | {inproc['put_ms_median']} ms | {inproc['put_ms_min']} – {inproc['put_ms_max']} ms |")
w(f"| the check, `handle()` | {inproc['check_ms_median']} ms | {inproc['check_ms_min']} – {inproc['check_ms_max']} ms |")
w(f"| upload complete → `available` (PUT returned → `handle()` returned) | {inproc['upload_to_available_ms_median']} ms | |")
w("")
w("### The real function binary")
w("")
w("`cargo build --release -p document-uploaded`, an "
  f"{os.uname().machine} host build (the stack deploys arm64 builds) with the workspace release profile;")
w("then, per run, a fresh pending upload (`target/release/trigger-bench pending <event.json>`: signs up, PUTs")
w("10 MiB, writes the S3 `ObjectCreated:Put` event for it) and")
w("`scripts/coldstart.py`'s `measure(target/release/document-uploaded, <event.json>, 1)` (for the function's")
w("answer, its list of outcomes, besides the figures) with the function's")
w("environment (`TENURE_TABLE`, `TENURE_BUCKET`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`, the")
w("stack's dummy credentials and region): process start to the response posted to a local Lambda Runtime")
w("API, so cold start plus the whole check, and the process's peak resident memory (VmHWM) after it.")
w("After each run the document was read back through `GET /documents/{id}`: "
  + ", ".join(sorted({c['status_after'] for c in cold})) + ".")
w("")
w("| runs | cold start + check, median | min – max | peak RSS, max of runs | budget |")
w("|---:|---:|---:|---:|---:|")
w(f"| {len(cold)} | {round(statistics.median(times), 1)} ms | {round(min(times), 1)} – {round(max(times), 1)} ms"
  f" | {rss} MB | 32 MB ({'within' if rss <= 32 else 'OVER'}) |")
print("\n".join(out))
PY

splice_doc "$DOC" "$RUN_DIR/trigger.md" bench:trigger

echo
cat "$RUN_DIR/trigger.md"
echo
log "wrote ${DOC#"$ROOT"/} in $((SECONDS - t0))s"
