#!/usr/bin/env bash
# The static checks (make test runs them through scripts/test.sh; make lint
# runs only them). No stack, no network: every tool is pinned and installed
# by scripts/install.sh.
#
#   fmt            cargo fmt --all -- --check
#   hcl            node scripts/hcl-check.mjs infra: every infra/*.tf parsed
#                  with HashiCorp's HCL parser (npm @cdktf/hcl2json), references
#                  and required settings checked (no terraform binary here)
#   zizmor         zizmor --offline .github/workflows/       (.venv)
#   cfn-lint       cfn-lint template.yaml                    (.venv)
#   checkov-sam    checkov -f template.yaml --skip-download  (.venv-checks)
#   checkov-tf     checkov -d infra --skip-download          (.venv-checks)
#   openapi        openapi-spec-validator docs/openapi.json  (.venv-api): the
#                  document GET /openapi.json serves is valid OpenAPI 3.1
#   clippy         cargo clippy --workspace --all-targets -- -D warnings
#
# checkov runs offline: --skip-download and BC_SKIP_MAPPING=TRUE (no
# Prisma Cloud policies or mappings are fetched). Each check prints one line
# with its result and time; a failed check's output follows it. Every check
# runs even when one fails; the exit status is non-zero if any failed.
#
#   scripts/checks.sh            every check
#   scripts/checks.sh NAME...    only those
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=checks

ALL=(fmt hcl zizmor cfn-lint checkov-sam checkov-tf openapi clippy)
selected=("$@")
((${#selected[@]})) || selected=("${ALL[@]}")
for name in "${selected[@]}"; do
  [[ " ${ALL[*]} " == *" $name "* ]] || die "unknown check $name (${ALL[*]})"
done

"$ROOT/scripts/install.sh" venv checks api node

export BC_SKIP_MAPPING=TRUE
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

passed=()
failed=()
total_t0=$EPOCHREALTIME

# check NAME DESCRIPTION COMMAND...: runs COMMAND from the repository root,
# prints "ok" or "FAIL" with the time taken, and the output when it failed.
check() {
  local name="$1" what="$2" t0 secs rc=0
  shift 2
  [[ " ${selected[*]} " == *" $name "* ]] || return 0
  t0=$EPOCHREALTIME
  (cd "$ROOT" && "$@") >"$OUT" 2>&1 || rc=$?
  secs="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  if ((rc == 0)); then
    passed+=("$name")
    printf '[checks] ok    %-12s %6ss  %s\n' "$name" "$secs" "$what" >&2
  else
    failed+=("$name")
    printf '[checks] FAIL  %-12s %6ss  %s (exit %d)\n' "$name" "$secs" "$what" "$rc" >&2
    grep -v '^[[:space:]]*$' "$OUT" | tail -n 60 | sed 's/^/    /' >&2
  fi
}

check fmt "cargo fmt --all -- --check" \
  cargo fmt --all -- --check --color never
check hcl "infra/*.tf parsed with HashiCorp's HCL parser (scripts/hcl-check.mjs)" \
  node scripts/hcl-check.mjs infra
check zizmor "zizmor --offline .github/workflows/" \
  "$VENV/bin/zizmor" --offline --no-progress .github/workflows/
check cfn-lint "cfn-lint template.yaml" \
  "$VENV/bin/cfn-lint" template.yaml
check checkov-sam "checkov -f template.yaml (offline)" \
  "$CHECKS_VENV/bin/checkov" -f template.yaml --skip-download --compact --quiet
check checkov-tf "checkov -d infra (offline)" \
  "$CHECKS_VENV/bin/checkov" -d infra --skip-download --compact --quiet
check openapi "openapi-spec-validator docs/openapi.json" \
  "$API_VENV/bin/openapi-spec-validator" docs/openapi.json
check clippy "cargo clippy --workspace --all-targets -- -D warnings" \
  cargo clippy --workspace --all-targets -- -D warnings

secs="$(awk -v a="$total_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
if ((${#failed[@]})); then
  log "failed: ${failed[*]} (${secs}s)"
fi
echo "checks: ${#passed[@]} passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
