#!/usr/bin/env bash
# make package: every function (each package under functions/) as a release
# arm64 zip for Lambda, target/lambda/<function>/bootstrap.zip, the way
# template.yaml (CodeUri) and infra/ (lambda_artifacts_dir) expect them.
#
# Installs the aarch64-unknown-linux-gnu rustup target if it is missing and
# the pinned cargo-lambda and zig (pip ziglang) into .venv, then runs, for
# one function at a time,
#   cargo lambda build --release --arm64 --output-format zip -p <function>
# One function at a time, so that each gets only the tenure-core features
# its own Cargo.toml asks for (a single build of them all would unify the
# features and link the S3 and SSM clients into every function), and so the
# progress shows. AWS_LC_SYS_NO_JITTER_ENTROPY=1: aws-lc's jitter entropy
# source costs start-up time on every cold start.
#
# Prints a table of each zip's size, flags any above 4 MB (4,000,000 bytes;
# PACKAGE_MAX_BYTES), and writes the table to docs/performance.md under
# "Package sizes" (between <!-- package:start --> and <!-- package:end -->,
# leaving the rest of the file as it is). Release builds (fat LTO, one
# codegen unit) of every function take long on a small machine.
#
#   scripts/package.sh               every function
#   scripts/package.sh NAME...       only those (docs/performance.md is then left alone)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=package

TARGET=aarch64-unknown-linux-gnu
MAX_BYTES="${PACKAGE_MAX_BYTES:-4000000}"
DOC="$ROOT/docs/performance.md"
t0=$SECONDS

step() { log "[$(elapsed $((SECONDS - t0)))] $*"; }
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

"$ROOT/scripts/install.sh" venv
use_venv
if ! rustup target list --installed | grep -qx "$TARGET"; then
  log "rustup target add $TARGET"
  rustup target add "$TARGET"
fi
# cargo-lambda builds through cargo-zigbuild, which finds zig as the venv's
# `python3 -m ziglang` (requirements-dev.txt pins ziglang).
"$VENV/bin/python3" -m ziglang version >/dev/null || die "zig (pip ziglang) is not usable in $VENV"

# The function packages, from cargo metadata: "package bin" per line.
mapfile -t FUNCTIONS < <(cd "$ROOT" && cargo metadata --no-deps --format-version 1 | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
fdir = os.path.join(meta["workspace_root"], "functions") + os.sep
for p in sorted(meta["packages"], key=lambda p: p["name"]):
    if p["manifest_path"].startswith(fdir):
        for t in p["targets"]:
            if "bin" in t["kind"]:
                print(p["name"], t["name"])
')
((${#FUNCTIONS[@]})) || die "no function packages under functions/"

selected=()
if (($#)); then
  for want in "$@"; do
    found=
    for line in "${FUNCTIONS[@]}"; do
      [[ "${line%% *}" == "$want" ]] && selected+=("$line") && found=1
    done
    [[ -n "$found" ]] || die "no function package $want under functions/"
  done
else
  selected=("${FUNCTIONS[@]}")
fi

export AWS_LC_SYS_NO_JITTER_ENTROPY=1
LAMBDA_DIR="$TARGET_DIR/lambda"
ROWS="$(mktemp)"
SECTION="$(mktemp)"
HEARTBEAT=
# The heartbeat stops its own sleep on TERM.
stop_heartbeat() {
  if [[ -n "$HEARTBEAT" ]]; then
    kill "$HEARTBEAT" 2>/dev/null || true
    wait "$HEARTBEAT" 2>/dev/null || true
    HEARTBEAT=
  fi
}
cleanup() {
  stop_heartbeat
  rm -f "$ROWS" "$SECTION"
}
trap cleanup EXIT

# heartbeat WHAT: a progress line every minute while a build is quiet. Its
# sleep runs in the background so that stopping it prints no "Terminated".
heartbeat() {
  local start=$SECONDS sleeper=
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  while true; do
    sleep 60 &
    sleeper=$!
    wait "$sleeper"
    step "    … still building $1 ($(elapsed $((SECONDS - start))))"
  done
}

n=${#selected[@]}
i=0
step "building $n functions for $TARGET (release: fat LTO, one codegen unit; the first takes longest, it builds the dependencies)"
for line in "${selected[@]}"; do
  pkg="${line%% *}" bin="${line##* }"
  i=$((i + 1))
  tb=$SECONDS
  step "[$i/$n] $pkg…"
  rm -f "$LAMBDA_DIR/$bin/bootstrap.zip"
  heartbeat "$pkg" &
  HEARTBEAT=$!
  (cd "$ROOT" && cargo-lambda lambda build --release --arm64 --output-format zip --quiet -p "$pkg") ||
    die "cargo lambda build -p $pkg failed"
  stop_heartbeat
  zip="$LAMBDA_DIR/$bin/bootstrap.zip"
  [[ -f "$zip" ]] || die "cargo lambda build -p $pkg wrote no $zip"
  python3 - "$zip" "$bin" "$((SECONDS - tb))" >>"$ROWS" <<'PY'
import os, sys, zipfile
path, name, secs = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(path) as z:
    unzipped = sum(i.file_size for i in z.infolist())
print(name, os.path.getsize(path), unzipped, secs)
PY
  step "[$i/$n] $pkg built in $(elapsed $((SECONDS - tb))): $(tail -n1 "$ROWS" | awk '{printf "%.2f MB zipped", $2 / 1e6}')"
done

python3 - "$ROWS" "$MAX_BYTES" "$(elapsed $((SECONDS - t0)))" "$(nproc)" "$(uname -m)" >"$SECTION" <<'PY'
import sys
rows_file, limit, took, cores, arch = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rows = [l.split() for l in open(rows_file) if l.strip()]
mb = lambda n: f"{int(n) / 1e6:.2f} MB"
out = ["## Package sizes", ""]
out.append("`make package` (`scripts/package.sh`): `cargo lambda build --release --arm64 --output-format zip -p <function>`")
out.append("for each package under `functions/`, with `AWS_LC_SYS_NO_JITTER_ENTROPY=1`; the workspace release profile")
out.append("(`opt-level = \"z\"`, fat LTO, one codegen unit, stripped). Zipped is `target/lambda/<function>/bootstrap.zip`,")
out.append(f"what Lambda receives; MB = 1,000,000 bytes; flagged above {mb(limit)}. Built in {took} on {cores} cores ({arch},")
out.append("cross-compiled with zig); the first build, which also builds the dependencies, takes about three times as long.")
out.append("")
out.append("| function | zipped | bootstrap | over budget |")
out.append("|---|---:|---:|---|")
for name, zipped, unzipped, _secs in rows:
    flag = f"**yes**, above {mb(limit)}" if int(zipped) > limit else ""
    out.append(f"| `{name}` | {mb(zipped)} | {mb(unzipped)} | {flag} |")
print("\n".join(out))
PY

echo
cat "$SECTION"
echo
over="$(awk -v max="$MAX_BYTES" '$2 > max {print $1}' "$ROWS" | tr '\n' ' ')"
if [[ -n "$over" ]]; then
  log "WARNING: above $(awk -v m="$MAX_BYTES" 'BEGIN{printf "%.2f MB", m / 1e6}') zipped: $over"
fi

if (($#)); then
  log "built $n of ${#FUNCTIONS[@]} functions in $(elapsed $((SECONDS - t0))); docs/performance.md left alone (only a full run writes it)"
  exit 0
fi

# Replace (or add) the package section of docs/performance.md; everything
# outside the markers belongs to other scripts (scripts/bench.sh).
splice_doc "$DOC" "$SECTION" package
log "wrote the Package sizes section of ${DOC#"$ROOT"/}; $n functions in $(elapsed $((SECONDS - t0)))"
