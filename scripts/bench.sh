#!/usr/bin/env bash
# make bench / make bench-sweep: figures, never a test (nothing fails on a
# timing). Starts a throwaway local stack like scripts/test.sh (DynamoDB
# Local in memory and the local S3 endpoint on free ports), measures, prints
# the figures and writes them to docs/performance.md, and stops the stack
# whatever happened.
#
#   scripts/bench.sh core    (make bench) DynamoDB round trips per route, login
#                            latency, and per function: cold start (median of
#                            10), warm p50/p99 of a representative request
#                            (200 runs), peak memory and zipped size, next to
#                            a hello-world lambda_runtime floor measured the
#                            same way in the same run
#   scripts/bench.sh sweep   (make bench-sweep) the daily risk sweep over 50
#                            companies: 1,000 leavers in the window, then
#                            +100,000 outside it, then 10,000 in it (tests/bin/
#                            sweep_bench.rs; SWEEP_BENCH_* resize it)
#   scripts/bench.sh chain   (make bench-chain) audited writes a second one
#                            company's audit chain takes, by concurrent writers
#                            (tests/bin/chain_bench.rs)
#   scripts/bench.sh sla     (make bench-sla) the five-minute SLA check: its
#                            DynamoDB requests and time with 1,000, then
#                            10,000 of 100,000 tickets due, and the clock
#                            function per ticket with 50 history entries
#                            (tests/bin/sla_bench.rs; SLA_BENCH_* resize it)
#   scripts/bench.sh payroll (make bench-payroll) the payroll report of a
#                            company of 500 people with 13 weeks of daily
#                            shifts beside one of 5,000: pages, DynamoDB
#                            requests, items read and time for a week, a
#                            month and the 13 weeks (tests/bin/
#                            payroll_bench.rs; PAYROLL_BENCH_* resize it)
#   scripts/bench.sh overview (make bench-overview) GET /overview for a
#                            company of 5 leavers and one of 1,000 with 200
#                            tickets, and a manager of 50 people: DynamoDB
#                            calls, p50/p90 and the counter item's size
#                            (tests/bin/overview_bench.rs; OVERVIEW_BENCH_*
#                            resize it)
#
# Each writes its own section of docs/performance.md, between
# <!-- bench:core:start/end -->, <!-- bench:sweep:start/end -->,
# <!-- bench:chain:start/end -->, <!-- bench:sla:start/end --> or
# <!-- bench:payroll:start/end --> or <!-- bench:overview:start/end --> markers, and leaves the rest of the file
# alone.
#
# Release builds (fat LTO, one codegen unit) take minutes per function on a
# small machine the first time (about 30 for all of them here).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=bench

mode="${1:-core}"
case "$mode" in core | sweep | chain | sla | payroll | overview) ;; *) sed -n '2,44p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;; esac

DOC="$ROOT/docs/performance.md"

t0=$SECONDS
"$ROOT/scripts/install.sh"
use_venv
build_devstack
start_throwaway_stack bench
log "stack ready in $((SECONDS - t0))s"
MACHINE_LINE="$(machine_line)"
export MACHINE_LINE

# step NAME: a progress line with the time since the start.
step() { log "[$((SECONDS - t0))s] $*"; }

bench_core() {
  local rt="$RUN_DIR/round_trips.txt" login="$RUN_DIR/login.json" events="$RUN_DIR/events"
  local section="$RUN_DIR/core.md" tb f
  local -a functions
  mapfile -t functions < <(function_names)

  step "DynamoDB round trips per route: cargo test -p tenure-tests --test api round_trips"
  (cd "$ROOT" && TENURE_ROUND_TRIPS_OUT="$rt" cargo test --quiet -p tenure-tests --test api round_trips -- --nocapture >"$RUN_DIR/round_trips.log" 2>&1) || {
    grep -v -E '^ +([0-9]+: |at )' "$RUN_DIR/round_trips.log" | tail -n 30 >&2
    die "the round-trips test failed"
  }
  [[ -s "$rt" ]] || die "the round-trips test wrote no table (TENURE_ROUND_TRIPS_OUT)"

  # One package at a time, as scripts/package.sh builds them: each gets only
  # the tenure-core features its own Cargo.toml asks for.
  local i=0
  for f in "${functions[@]}" hello-lambda; do
    i=$((i + 1))
    step "release build $i/$((${#functions[@]} + 1)): $f (fat LTO, one codegen unit: minutes each the first time)"
    tb=$SECONDS
    release_build -p "$f"
    step "  $f built in $((SECONDS - tb))s"
  done
  tb=$SECONDS
  release_build -p tenure-tests --bin login-latency --bin bench-events
  step "  login-latency and bench-events built in $((SECONDS - tb))s"

  # The binaries just built are run as they are (no `cargo run`, which would
  # rebuild for whatever changed in the tree meanwhile).
  step "login latency: target/release/login-latency (median of 20)"
  (cd "$ROOT" && "$TARGET_DIR/release/login-latency") >"$login"
  cat "$login"

  step "events: target/release/bench-events (a company, a leaver, an uploaded PDF; each function's requests)"
  (cd "$ROOT" && "$TARGET_DIR/release/bench-events" "$events") >/dev/null
  column -t -s $'\t' "$events/routes.tsv" >&2

  # Each function with the stack's environment plus bench-events' key and
  # rate limits; 10 cold starts, then 1 + 200 warm runs in one more process.
  for f in "${functions[@]}"; do
    step "$f: scripts/coldstart.py target/release/$f $f.cold.json 10 --warm $f.warm.json --warm-runs 200"
    (
      set -a
      source "$events/functions.env"
      set +a
      cd "$ROOT" && python3 scripts/coldstart.py "$TARGET_DIR/release/$f" "$events/$f.cold.json" 10 \
        --warm "$events/$f.warm.json" --warm-runs 200
    ) >"$RUN_DIR/fn-$f.json"
    cat "$RUN_DIR/fn-$f.json"
    # Figures of failed requests would be worthless: every warm run must
    # have been answered 200 (HTTP) or without error (event functions).
    python3 - "$RUN_DIR/fn-$f.json" <<'PY' || die "$f did not answer every warm request successfully"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["warm_statuses"] in (["200"], ["ok"]) else f"warm runs answered {r['warm_statuses']}")
PY
  done
  step "hello-lambda (the floor): scripts/coldstart.py target/release/hello-lambda status.cold.json 10 --warm status.warm.json --warm-runs 200"
  (cd "$ROOT" && python3 scripts/coldstart.py "$TARGET_DIR/release/hello-lambda" "$events/status.cold.json" 10 \
    --warm "$events/status.warm.json" --warm-runs 200) >"$RUN_DIR/fn-hello-lambda.json"
  cat "$RUN_DIR/fn-hello-lambda.json"

  python3 - "$rt" "$login" "$RUN_DIR" "$TARGET_DIR" "$events/routes.tsv" "${functions[@]}" >"$section" <<'PY'
import io, json, os, sys, zipfile
rt, login, run_dir, target, routes_tsv = sys.argv[1:6]
functions = sys.argv[6:]
routes = {}
for line in open(routes_tsv).read().splitlines()[1:]:
    f, cold, warm = line.split("\t")
    routes[f] = (cold, warm)

def zipped(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(path, "rb").read())
    return len(buf.getvalue())

def fig(name):
    return json.load(open(os.path.join(run_dir, f"fn-{name}.json")))

mb = lambda n: f"{n / 1e6:.2f} MB"
out = []
w = out.append
w("## Platform core")
w("")
w("`make bench` (`scripts/bench.sh core`), against a throwaway local stack: DynamoDB Local, the local S3")
w("endpoint and the functions on one shared machine, so the times are for orientation and for comparing")
w("runs, not what DynamoDB and Lambda give; the request counts are exact. Medians where several runs were")
w("made; nothing here passes or fails on a time.")
w("")
w(os.environ["MACHINE_LINE"])
w("")
w("### DynamoDB round trips per route")
w("")
w("`TENURE_ROUND_TRIPS_OUT=<file> cargo test -p tenure-tests --test api round_trips -- --nocapture`:")
w("every route once through the real pipeline, with the SDK interceptor counting requests")
w("(an operation with `!` failed, e.g. a conditional write that lost; the pipeline then retried).")
w("Contention retries (an audited transaction that lost its company's chain to a concurrent write, retried")
w("at once) are not round trips of the bar; here every route runs once, so they show only what the tests")
w("running alongside caused. Their worst case under N concurrent writers is in *Audit chain throughput*")
w("(`make bench-chain`); each request makes at most `AUDIT_ATTEMPTS` = 64 attempts within 3 s.")
w("")
lines = [l for l in open(rt).read().splitlines() if l.strip()]
head = [c.strip() for c in lines[0].split("|")]
w("| " + " | ".join(head) + " |")
w("|" + "|".join(["---", "---:", "---:", "---"][: len(head)] + ["---"] * max(0, len(head) - 4)) + "|")
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
floor = fig("hello-lambda")
w("### Every function: cold start, warm latency, memory, size")
w("")
w("Each function's release binary (`cargo build --release -p <function>`, one package at a time as")
w("`make package` builds them, with `AWS_LC_SYS_NO_JITTER_ENTROPY=1`; the workspace release profile:")
w(f"`opt-level = \"z\"`, fat LTO, one codegen unit, stripped; {os.uname().machine} host builds, the stack deploys")
w("arm64 ones) run under `scripts/coldstart.py`, a local Lambda Runtime API, with the function's environment")
w("(the stack's table, bucket and endpoints; the signing key and generous rate limits from `bench-events`,")
w("since every request comes from one user):")
w("")
w("- **cold start**: process start to the first response posted back, 10 fresh processes, median (min – max),")
w("  for the *cold request*, which needs no DynamoDB where the function allows it (a signed-in route without")
w("  a token is refused 401 before any read; `GET /status` and `GET /openapi.json` count the caller's IP,")
w("  one `UpdateItem`; `risk-sweep` reads the day's state). **Above floor** compares it with `hello-lambda`")
w("  (`tools/hello-lambda`, a hello-world `lambda_runtime` function) measured the same way in the same run.")
w("- **warm**: in one more process, after the cold request, the *warm request* once (**first**: the first")
w("  DynamoDB request opens the connection) and then 200 times: **p50**/**p99**, the event handed out by the")
w("  Runtime API to its response posted back. Every warm run was answered 200 (or without error).")
w("- **peak RSS**: the largest VmHWM of those 11 processes, after their last response.")
w("- **host zip**: this host build alone as `bootstrap` in a deflate zip, to compare runs; the 4 MB budget")
w("  applies to the deployed arm64 zips, which `make package` measures (*Package sizes* below).")
w("")
w("Targets (issue 5): cold start at most 10 ms above the floor and under 50 ms; peak memory ≤ 32 MB.")
w("")
w("| function | cold request | cold start | above floor | warm request | first | p50 | p99 | peak RSS | host zip |")
w("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
over = []
for f in functions + ["hello-lambda"]:
    c = fig(f)
    binary = os.path.join(target, "release", f)
    z = zipped(binary)
    if f == "hello-lambda":
        cold_req, warm_req, above = "`GET /status` event (any event)", "the same", "(floor)"
    else:
        cold_req, warm_req = (f"`{r}`" if r.startswith(("GET", "POST")) else r for r in routes[f])
        d = c["cold_start_ms_median"] - floor["cold_start_ms_median"]
        above = f"{d:+.2f} ms"
        if d > 10 or c["cold_start_ms_median"] >= 50:
            over.append(f"`{f}` cold start")
        if c["peak_rss_mb"] > 32:
            over.append(f"`{f}` peak memory")
    w(f"| `{f}` | {cold_req} | {c['cold_start_ms_median']} ms ({c['cold_start_ms_min']} – {c['cold_start_ms_max']}) | {above}"
      f" | {warm_req} | {c['warm_first_ms']} ms | {c['warm_p50_ms']} ms | {c['warm_p99_ms']} ms | {c['peak_rss_mb']} MB | {mb(z)} |")
w("")
w("Missed targets in this run: " + (", ".join(over) if over else "none") + ".")
print("\n".join(out))
PY
}

bench_sweep() {
  local section="$RUN_DIR/sweep.md" table="$RUN_DIR/sweep-table.md" tb
  step "building release binaries… (sweep-bench; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  release_build -p tenure-tests --bin sweep-bench
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
    echo 'alerts; B finds them open; C2 repeats C; D adds companies with no leaver at all. Requests per run: one'
    echo '`BatchGetItem` (the day'"'"'s state and the gsi3 backfill marker), one `Query` per shard of the'
    echo 'sharded leave-date index gsi3 (8 shards, keys only; another page per 5,000 leavers of a shard), which'
    echo 'names the companies with an active leaver in the window; per such company one `BatchGetItem`'
    echo '(settings, audit head) and a `Query` of its leave-date index (a page per 1,000 leavers or 1 MB of'
    echo 'its window); per leaver in the window one `TransactWriteItems` (score, history, alerts, audit'
    echo 'events); one more to save the'
    echo 'day'"'"'s state. DynamoDB Local on a shared machine: the times are for orientation, the counts exact.'
    echo
    cat "$table"
  } >"$section"
}

bench_chain() {
  local section="$RUN_DIR/chain.md" table="$RUN_DIR/chain.tsv" tb
  step "building release binaries… (chain-bench; fat LTO, one codegen unit)"
  tb=$SECONDS
  release_build -p tenure-tests --bin chain-bench
  step "  chain-bench built in $((SECONDS - tb))s"
  step "audit chain: target/release/chain-bench (1 to 32 writers, 4 s each)"
  (cd "$ROOT" && "$TARGET_DIR/release/chain-bench") >"$table"
  {
    echo "## Audit chain throughput"
    echo
    echo "$MACHINE_LINE"
    echo
    echo '`cargo run --release -p tenure-tests --bin chain-bench` (`make bench-chain`; the source is'
    echo '`tests/bin/chain_bench.rs`): N writers at once in one company, each a function instance of its own,'
    echo 'registering leavers (`POST /leavers` through the real pipeline: one audited transaction, contended'
    echo 'only on the company'"'"'s chain head) for 4 s. A transaction that loses the race for the head learns'
    echo 'the new head from its cancellation and retries at once (`service/commit.rs`: up to 64 attempts or'
    echo '3 s, then the request fails with a 5xx). DynamoDB Local on a shared machine: the rates are for'
    echo 'orientation (DynamoDB'"'"'s own latency sets them on AWS), the shape is the point.'
    echo
    echo 'Contention retries are counted per request (`tenure_tests::contention_retries`): the median, the'
    echo '99th percentile and the worst request of each row. Every test request is also held to fewer than'
    echo '`AUDIT_ATTEMPTS` (`tests/lib.rs`, `Harness::send_unboxed`).'
    echo
    echo "| writers | audited writes/s | succeeded | failed (5xx) | transactions that lost the race | transactions | retries p50 | p99 | worst |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    tail -n +2 "$table" | while IFS=$'\t' read -r n rate ok failed lost txs r50 r99 rmax; do
      echo "| $n | $rate | $ok | $failed | $lost | $txs | $r50 | $r99 | $rmax |"
    done
  } >"$section"
}

bench_sla() {
  local section="$RUN_DIR/sla.md" body="$RUN_DIR/sla-body.md" tb
  step "building release binaries… (sla-bench; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  release_build -p tenure-tests --bin sla-bench
  step "  sla-bench built in $((SECONDS - tb))s"
  step "SLA check: target/release/sla-bench (cargo run --release -p tenure-tests --bin sla-bench; seeding 100,000 tickets takes minutes)"
  tb=$SECONDS
  (cd "$ROOT" && TENURE_SLA_OUT="$body" "$TARGET_DIR/release/sla-bench") >/dev/null
  step "  SLA benchmark finished in $((SECONDS - tb))s"
  {
    echo "## SLA check"
    echo
    echo "$MACHINE_LINE"
    echo
    echo '`cargo run --release -p tenure-tests --bin sla-bench` (`make bench-sla`, `scripts/bench.sh sla`; the source'
    echo 'is `tests/bin/sla_bench.rs`), against a throwaway local stack; a release build with the workspace profile'
    echo '(`opt-level = "z"`, fat LTO), as deployed. Figures only: nothing here passes or fails.'
    echo
    echo 'Each run is one call of `tenure_core::events::sla_check::run` (what the `sla-check` function runs every five'
    echo 'minutes) at the real now, with no time limit, through the `sla-check` function'"'"'s own DynamoDB client'
    echo '(`store::client_for`, as deployed) with the test harness'"'"'s `CallCounter`, an SDK interceptor that records'
    echo 'every operation sent (a failed one with `!`): the log is emptied just before the run and read just after it,'
    echo 'nothing else running. The check queries gsi3'"'"'s `SLADUE#{shard}` partitions (8 shards, keys only) up to'
    echo 'now, then for each entry reads the ticket, its company (the calendar) and the audit head in one'
    echo '`BatchGetItem`, and writes the ticket back in one `TransactWriteItems` (its notices, their timeline entries,'
    echo 'for a breach the audit events and the `TKSLA#` state copy; the write moves or drops its index entry).'
    echo
    echo 'Runs: **A** the due tickets alone in the table; **B** as many due among all the tickets; **idle** B'"'"'s'
    echo 'table just after a run, nothing due; **C** ten times as many due among as many tickets (not-due ones'
    echo 'deleted to make room). A checked ticket leaves the index or moves on, and a second check of the same'
    echo 'ticket would find its notices recorded, so before each run of A, B and C the last run'"'"'s due tickets are'
    echo 'deleted and as many fresh ones written: every run checks never-checked tickets.'
    echo
    echo 'Tickets are written with `BatchWriteItem` (not through the API) as exactly the item'
    echo '`store::tickets::stage_put` writes for a ticket at its last change: built with `Ticket::open` and the'
    echo 'changes the API logs, `sla_state` and the index keys from `Ticket::state` and `Ticket::next_check`'
    echo '(gsi3 only while a clock needs a look). `stage_put` itself needs a `Tenant`, which only the core crate'
    echo 'can make, so its attributes are reproduced; before seeding, a ticket raised through `POST /tickets` is'
    echo 'compared with the item rebuilt from it, attribute for attribute (they matched). Not written: the'
    echo 'seeded tickets'"'"' own timeline entries (the check reads none) and offboarding tickets (a leaver'"'"'s breach'
    echo 'also reads the leaver, one `GetItem`, and may raise an alert in the same transaction). DynamoDB Local on'
    echo 'a shared machine: the times are for orientation, the counts exact.'
    echo
    cat "$body"
  } >"$section"
}

bench_overview() {
  local section="$RUN_DIR/overview.md" body="$RUN_DIR/overview-body.md" tb
  step "building release binaries… (overview-bench; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  release_build -p tenure-tests --bin overview-bench
  step "  overview-bench built in $((SECONDS - tb))s"
  step "overview: target/release/overview-bench (seeding 1,000 leavers, 200 tickets and 50 shifts through the API takes a minute or two)"
  tb=$SECONDS
  (cd "$ROOT" && TENURE_OVERVIEW_OUT="$body" "$TARGET_DIR/release/overview-bench") >/dev/null
  step "  overview benchmark finished in $((SECONDS - tb))s"
  {
    echo "## Overview"
    echo
    echo "$MACHINE_LINE"
    echo
    echo '`cargo run --release -p tenure-tests --bin overview-bench` (`make bench-overview`, `scripts/bench.sh overview`;'
    echo 'the source is `tests/bin/overview_bench.rs`), against a throwaway local stack. Figures only.'
    echo
    echo 'The contract (issue 17): each role opens on its overview at the cost of one request, whatever the size of the'
    echo 'company. The overview reads counters the modules move in the same transactions as their changes (`STATS`,'
    echo '`MINE#{id}`), so an owner'"'"'s request is the session'"'"'s `BatchGetItem` (which also reads the counters) and the'
    echo 'rate limit, and a manager'"'"'s adds one `Query` of their department'"'"'s week. Both companies are built through the'
    echo 'API, so the counters are the ones the write paths keep. DynamoDB Local on a shared machine: the times are for'
    echo 'orientation, the calls exact.'
    echo
    cat "$body"
  } >"$section"
}

bench_payroll() {
  local section="$RUN_DIR/payroll.md" body="$RUN_DIR/payroll-body.md" tb
  step "building release binaries… (payroll-bench; fat LTO, one codegen unit: minutes on a small machine)"
  tb=$SECONDS
  release_build -p tenure-tests --bin payroll-bench
  step "  payroll-bench built in $((SECONDS - tb))s"
  step "payroll report: target/release/payroll-bench (cargo run --release -p tenure-tests --bin payroll-bench; seeding about 460,000 items takes two or three minutes)"
  tb=$SECONDS
  (cd "$ROOT" && TENURE_PAYROLL_OUT="$body" "$TARGET_DIR/release/payroll-bench") >/dev/null
  step "  payroll benchmark finished in $((SECONDS - tb))s"
  {
    echo "## Payroll report"
    echo
    echo "$MACHINE_LINE"
    echo
    echo '`cargo run --release -p tenure-tests --bin payroll-bench` (`make bench-payroll`, `scripts/bench.sh payroll`; the'
    echo 'source is `tests/bin/payroll_bench.rs`), against a throwaway local stack; a release build with the workspace'
    echo 'profile (`opt-level = "z"`, fat LTO), as deployed. Figures only: nothing here passes or fails.'
    echo
    echo 'The contract (issue 16): the report for a period reads the weekly totals (`PAYWEEK#{week}#{uid}`, one per'
    echo 'person and week with hours, kept by every clock-out and correction), never a clock-in, so its DynamoDB'
    echo 'requests, items read and time follow the people × weeks of the company asked, not its clock-ins and not'
    echo 'another company. Each request is `GET /reports/payroll` through the `timekeeping` function in-process (the'
    echo 'real pipeline: token check, rate limit, the prefetch in one `BatchGetItem`, the handler) with the'
    echo 'function'"'"'s own DynamoDB client (`store::client_for`, as deployed) carrying the test harness'"'"'s `CallCounter`'
    echo '(every operation sent) and an interceptor that adds up the `Count` and `ScannedCount` of every `Query` page.'
    echo
    echo 'Seeded with `BatchWriteItem` (not through the API) as exactly the items the clock-outs leave: each shift a'
    echo '`store::time::Shift` (its pieces from `domain::payroll::pieces`, its neighbours'"'"' bounds as the next punch'
    echo 'leaves them) through `store::to_item` with `stage_shift`'"'"'s index keys; the weekly totals summed with'
    echo '`store::time::add_pieces` as `stage_week_deltas`'"'"'s updates leave them (payee, gsi2 keys, each day'"'"'s seconds `d0`…`d6` and rate `r0`…`r6`); the'
    echo 'monthly totals and the clocks. `store::keys` needs a `Tenant`, which only the core crate can make, so the key'
    echo 'formats are reproduced; before seeding, a person'"'"'s two shifts (one across midnight) are recorded through'
    echo '`POST /clockins` in a company of their own and all five items they left are compared, attribute for attribute,'
    echo 'with the rebuilt ones (they matched). Not written: the seeded people'"'"'s user items and the punches'"'"' audit'
    echo 'events (the report reads neither). DynamoDB Local on a shared machine: the times are for orientation, the'
    echo 'counts exact.'
    echo
    cat "$body"
  } >"$section"
}

case "$mode" in
  overview)
    bench_overview
    splice_doc "$DOC" "$RUN_DIR/overview.md" bench:overview
    echo
    cat "$RUN_DIR/overview.md"
    ;;
  payroll)
    bench_payroll
    splice_doc "$DOC" "$RUN_DIR/payroll.md" bench:payroll
    echo
    cat "$RUN_DIR/payroll.md"
    ;;
  sla)
    bench_sla
    splice_doc "$DOC" "$RUN_DIR/sla.md" bench:sla
    echo
    cat "$RUN_DIR/sla.md"
    ;;
  chain)
    bench_chain
    splice_doc "$DOC" "$RUN_DIR/chain.md" bench:chain
    echo
    cat "$RUN_DIR/chain.md"
    ;;
  core)
    bench_core
    splice_doc "$DOC" "$RUN_DIR/core.md" bench:core
    echo
    cat "$RUN_DIR/core.md"
    ;;
  sweep)
    bench_sweep
    splice_doc "$DOC" "$RUN_DIR/sweep.md" bench:sweep
    echo
    cat "$RUN_DIR/sweep.md"
    ;;
esac
echo
log "wrote ${DOC#"$ROOT"/} in $((SECONDS - t0))s"
