#!/usr/bin/env bash
# make bench / make bench-sweep: figures, never a test (nothing fails on a
# timing). Starts a throwaway local stack like scripts/test.sh (DynamoDB
# Local in memory and the local S3 endpoint on free ports), measures, prints
# the figures and writes them to docs/performance.md, and stops the stack
# whatever happened.
#
#   scripts/bench.sh core    (make bench) DynamoDB round trips per route, login
#                            latency, cold start, memory and size of the auth
#                            function next to a hello-world lambda_runtime floor
#   scripts/bench.sh sweep   (make bench-sweep) the daily risk sweep over 50
#                            companies: 1,000 leavers in the window, then
#                            +100,000 outside it, then 10,000 in it (tests/bin/
#                            sweep_bench.rs; SWEEP_BENCH_* resize it)
#
# Each writes its own section of docs/performance.md, between
# <!-- bench:core:start/end --> or <!-- bench:sweep:start/end --> markers,
# and leaves the rest of the file alone.
#
# Release builds (fat LTO, one codegen unit) take minutes on a small machine
# the first time.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=bench

mode="${1:-core}"
case "$mode" in core | sweep) ;; *) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;; esac

DOC="$ROOT/docs/performance.md"
mkdir -p "$RUN_BASE"
RUN_DIR="$(mktemp -d "$RUN_BASE/bench-XXXXXX")"
export STACK_RUN_DIR="$RUN_DIR"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$ROOT/scripts/stack.sh" stop test || true
  rm -rf "$RUN_DIR"
  exit "$rc"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
"$ROOT/scripts/install.sh"
use_venv
build_devstack

"$DEVSTACK" keygen --out "$RUN_DIR/jwt" >/dev/null
"$ROOT/scripts/stack.sh" start test
set -a
source "$RUN_DIR/stack.env"
source "$RUN_DIR/jwt/public.env"
TENURE_JWT_PRIVATE_KEY_FILE="$RUN_DIR/jwt/private.der"
set +a
"$DEVSTACK" init
log "stack ready in $((SECONDS - t0))s"

# The machine, for the record.
MACHINE_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
MACHINE_ARCH="$(uname -m)"
MACHINE_CPU="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)"
MACHINE_CPU="${MACHINE_CPU:-unknown CPU}"
MACHINE_CORES="$(nproc)"
MACHINE_LINE="$MACHINE_DATE on $MACHINE_ARCH, $MACHINE_CPU, $MACHINE_CORES cores (\`uname -m\`, /proc/cpuinfo, nproc); DynamoDB Local 3.3.1 in memory on the same machine."
export MACHINE_LINE

# step NAME: a progress line with the time since the start.
step() { log "[$((SECONDS - t0))s] $*"; }

# splice_doc SECTION_FILE WHICH: puts SECTION_FILE into docs/performance.md
# between <!-- bench:WHICH:start --> and <!-- bench:WHICH:end --> (WHICH is
# core or sweep), replacing what was there or appending it; everything
# outside the markers belongs to other scripts (scripts/package.sh) and is
# left as it is.
splice_doc() {
  python3 - "$DOC" "$1" "$2" <<'PY'
import os, sys
doc, section_file, which = sys.argv[1], sys.argv[2], sys.argv[3]
START, END = f"<!-- bench:{which}:start -->", f"<!-- bench:{which}:end -->"
block = f"{START}\n{open(section_file).read().rstrip()}\n{END}\n"
old = open(doc).read() if os.path.exists(doc) else "# Performance\n"
i, j = old.find(START), old.find(END)
if i >= 0 and j > i:
    new = old[:i] + block + old[j + len(END):].lstrip("\n")
else:
    new = old.rstrip() + "\n\n" + block
os.makedirs(os.path.dirname(doc), exist_ok=True)
open(doc, "w").write(new)
PY
}

bench_core() {
  local rt="$RUN_DIR/round_trips.txt" login="$RUN_DIR/login.json" event="$ROOT/tests/fixtures/auth-me-no-token.json"
  local section="$RUN_DIR/core.md" tb

  step "DynamoDB round trips per route: cargo test -p tenure-tests --test api round_trips"
  (cd "$ROOT" && TENURE_ROUND_TRIPS_OUT="$rt" cargo test --quiet -p tenure-tests --test api round_trips -- --nocapture >"$RUN_DIR/round_trips.log" 2>&1) || {
    grep -v -E '^ +([0-9]+: |at )' "$RUN_DIR/round_trips.log" | tail -n 30 >&2
    die "the round-trips test failed"
  }
  [[ -s "$rt" ]] || die "the round-trips test wrote no table (TENURE_ROUND_TRIPS_OUT)"

  step "building release binaries… (auth, hello-lambda, login-latency; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  (cd "$ROOT" && cargo build --release --quiet -p auth -p hello-lambda)
  step "  auth and hello-lambda built in $((SECONDS - tb))s"
  tb=$SECONDS
  (cd "$ROOT" && cargo build --release --quiet -p tenure-tests --bin login-latency)
  step "  login-latency built in $((SECONDS - tb))s"

  # The binaries just built are run as they are (no `cargo run`, which would
  # rebuild for whatever changed in the tree meanwhile).
  step "login latency: target/release/login-latency (cargo run --release -p tenure-tests --bin login-latency; median of 20)"
  (cd "$ROOT" && "$TARGET_DIR/release/login-latency") >"$login"
  cat "$login"

  local bin
  for bin in auth hello-lambda; do
    step "cold start: scripts/coldstart.py $TARGET_DIR/release/$bin tests/fixtures/auth-me-no-token.json 10"
    (cd "$ROOT" && python3 scripts/coldstart.py "$TARGET_DIR/release/$bin" "$event" 10) >"$RUN_DIR/cold-$bin.json"
    cat "$RUN_DIR/cold-$bin.json"
  done

  python3 - "$rt" "$login" "$RUN_DIR/cold-auth.json" "$RUN_DIR/cold-hello-lambda.json" \
    "$TARGET_DIR/release/auth" "$TARGET_DIR/release/hello-lambda" >"$section" <<'PY'
import io, json, os, sys, zipfile
rt, login, cold_auth, cold_hello, bin_auth, bin_hello = sys.argv[1:7]

def zipped(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(path, "rb").read())
    return len(buf.getvalue())

mib = lambda n: f"{n / 1048576:.1f} MiB"
out = []
w = out.append
w("## Platform core")
w("")
w("`make bench` (`scripts/bench.sh core`), against a throwaway local stack: DynamoDB Local and the")
w("functions on one shared machine, so the times are for orientation and for comparing runs, not what")
w("DynamoDB and Lambda give; the request counts are exact. Medians where several runs were made;")
w("nothing here passes or fails on a time.")
w("")
w(os.environ["MACHINE_LINE"])
w("")
w("### DynamoDB round trips per route")
w("")
w("`TENURE_ROUND_TRIPS_OUT=<file> cargo test -p tenure-tests --test api round_trips -- --nocapture`:")
w("every route once through the real pipeline, with the SDK interceptor counting requests")
w("(an operation with `!` failed, e.g. a conditional write that lost; the pipeline then retried).")
w("")
lines = [l for l in open(rt).read().splitlines() if l.strip()]
head = [c.strip() for c in lines[0].split("|")]
w("| " + " | ".join(head) + " |")
w("|" + "|".join(["---", "---:", "---"][: len(head)] + ["---"] * max(0, len(head) - 3)) + "|")
for l in lines[1:]:
    cells = [c.strip() for c in l.split("|")]
    cells[0] = f"`{cells[0]}`"
    w("| " + " | ".join(cells) + " |")
w("")
w("### Login latency")
w("")
lg = json.load(open(login))
w("`cargo run --release -p tenure-tests --bin login-latency`: `POST /auth/login` in-process through the")
w("real pipeline (Argon2id verification included) against DynamoDB Local, 20 runs.")
w("")
w("| route | runs | median | min | max | DynamoDB round trips |")
w("|---|---:|---:|---:|---:|---:|")
w(f"| `{lg['route']}` | {lg['runs']} | {lg['median_ms']} ms | {lg['min_ms']} ms | {lg['max_ms']} ms | {lg['dynamodb_round_trips']} |")
w("")
w("### Cold start and size of the `auth` function")
w("")
w("`cargo build --release -p auth -p hello-lambda`, then")
w("`scripts/coldstart.py target/release/<bin> tests/fixtures/auth-me-no-token.json 10` with the function's")
w("environment (`TENURE_TABLE`, `TENURE_JWT_PUBLIC_KEYS`, `TENURE_JWT_KID`, `TENURE_JWT_PRIVATE_KEY_FILE`, the")
w("local endpoints): process start to the first response posted to a local Lambda Runtime API, for an API")
w("Gateway v2 `GET /auth/me` without a token (401, no DynamoDB request), 10 cold starts. `hello-lambda`")
w("(`tools/hello-lambda`) is a hello-world `lambda_runtime` function measured the same way: the floor.")
w(f"These are {os.uname().machine} release builds of the host (the stack deploys arm64 builds), with the")
w("workspace release profile (`opt-level = \"z\"`, fat LTO, one codegen unit, stripped). Zipped: the binary")
w("alone as `bootstrap` in a deflate zip, as deployed.")
w("")
w("| binary | cold start, median | min – max | peak RSS | first status | size | zipped |")
w("|---|---:|---:|---:|---:|---:|---:|")
for f, b in ((cold_auth, bin_auth), (cold_hello, bin_hello)):
    c = json.load(open(f))
    w(f"| `{os.path.basename(b)}` | {c['cold_start_ms_median']} ms | {c['cold_start_ms_min']} – {c['cold_start_ms_max']} ms"
      f" | {c['peak_rss_mb']} MB | {c['first_status']} | {mib(os.path.getsize(b))} | {mib(zipped(b))} |")
print("\n".join(out))
PY
}

bench_sweep() {
  local section="$RUN_DIR/sweep.md" table="$RUN_DIR/sweep-table.md" tb
  step "building release binaries… (sweep-bench; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  (cd "$ROOT" && cargo build --release --quiet -p tenure-tests --bin sweep-bench)
  step "  sweep-bench built in $((SECONDS - tb))s"
  step "sweep: target/release/sweep-bench (cargo run --release -p tenure-tests --bin sweep-bench; seeding 100,000+ items takes minutes)"
  tb=$SECONDS
  (cd "$ROOT" && TENURE_SWEEP_OUT="$table" "$TARGET_DIR/release/sweep-bench")
  step "  sweep benchmark finished in $((SECONDS - tb))s"
  {
    echo "## Sweep"
    echo
    echo "$MACHINE_LINE"
    echo
    echo '`cargo run --release -p tenure-tests --bin sweep-bench` (`make bench-sweep`; the source is'
    echo '`tests/bin/sweep_bench.rs`): companies created through `POST /companies`, leavers seeded with'
    echo '`BatchWriteItem` as the items `store::leavers::stage_put` writes (without the surname-bucket copy,'
    echo 'which the sweep does not read and writes itself), spread evenly over the companies; in the window'
    echo 'means a leave date from 30 days past to 90 days ahead. Each run is a fresh day'"'"'s full pass of'
    echo '`tenure_core::events::sweep::run` (what `risk-sweep` runs) with no time limit, and counts every'
    echo 'DynamoDB request it sends. Run A scores the leavers for the first time, so it also raises their'
    echo 'alerts; B finds them open. Requests per run: one `GetItem` (the day'"'"'s state), one `Query` of the'
    echo 'companies index per 100 companies; per company one `BatchGetItem` (settings, audit head) and a'
    echo '`Query` of its leave-date index (a page per 1,000 leavers or 1 MB of its window); per leaver in the'
    echo 'window one `TransactWriteItems` (score, history, alerts, audit events); one more to save the'
    echo 'day'"'"'s state. DynamoDB Local on a shared machine: the times are for orientation, the counts exact.'
    echo
    cat "$table"
  } >"$section"
}

case "$mode" in
  core)
    bench_core
    splice_doc "$RUN_DIR/core.md" core
    echo
    cat "$RUN_DIR/core.md"
    ;;
  sweep)
    bench_sweep
    splice_doc "$RUN_DIR/sweep.md" sweep
    echo
    cat "$RUN_DIR/sweep.md"
    ;;
esac
echo
log "wrote ${DOC#"$ROOT"/} in $((SECONDS - t0))s"
