#!/usr/bin/env bash
# The API against its own contract: schemathesis (requirements-api.txt)
# generates requests for every operation of the OpenAPI document the running
# API serves (GET /openapi.json) and checks every response:
#   not_a_server_error, status_code_conformance (every status is documented),
#   content_type_conformance, response_schema_conformance.
# Against the whole API under `cargo lambda watch` on a throwaway stack of its
# own (serve_api_under_watch in lib.sh), signed in as a new company's owner,
# with rate limits raised (one client sends everything). POST /auth/logout
# runs last, in a phase of its own, since it ends the session the others use.
#
# Failures on responses the local emulator produced itself (no x-request-id)
# are set aside, and listed, by tests/fuzz/hooks.py; see there why.
#
#   scripts/api-fuzz.sh                  (API_FUZZ_EXAMPLES=N per operation, default 25)
# KEEP_RUN_DIR=1 keeps the logs. Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=api-fuzz

t0=$SECONDS
"$ROOT/scripts/install.sh" venv node ddb api
use_venv
EXAMPLES="${API_FUZZ_EXAMPLES:-25}"

export TENURE_RATE_LIMIT_PER_MINUTE=1000000 TENURE_HEAVY_RATE_LIMIT_PER_MINUTE=1000000 \
  TENURE_IP_RATE_LIMIT_PER_MINUTE=1000000
serve_api_under_watch api-fuzz
log "API ready in $((SECONDS - t0))s at $ORIGIN"

# A company and its owner for this run.
email="fuzz-$(date +%s)-$RANDOM@example.com"
password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
credentials="$(printf '"email":"%s","password":"%s"' "$email" "$password")"
curl -sf -o /dev/null -XPOST "$ORIGIN/auth/signup" -H 'content-type: application/json' \
  -d "{$credentials,\"full_name\":\"Fuzz Owner\",\"company_name\":\"Fuzz Ltd\"}" \
  || die "signing up the fuzzing owner failed"
token="$(curl -sf -XPOST "$ORIGIN/auth/login" -H 'content-type: application/json' -d "{$credentials}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')" \
  || die "signing in the fuzzing owner failed"

# The served document, fetched once for both phases: `cargo lambda watch` now
# and then answers a 500 of its own (no x-request-id, no function ran) while
# it starts a function, and schemathesis loads the document only once.
curl -sf --retry 5 --retry-all-errors --retry-delay 1 -o "$RUN_DIR/openapi.json" "$ORIGIN/openapi.json" \
  || die "GET /openapi.json failed"

# From the run's own folder: whatever schemathesis keeps goes with it.
run() {
  cd "$RUN_DIR"
  SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/tests/fuzz" \
    "$API_VENV/bin/schemathesis" run "$RUN_DIR/openapi.json" --url "$ORIGIN" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed 20261130 \
    --generation-database none --no-color --output-sanitize true "$@"
}
rc=0
log "every operation but POST /auth/logout, $EXAMPLES examples each"
run --exclude-path /auth/logout >"$RUN_DIR/fuzz.log" 2>&1 || rc=$?
sed -n '/^=* SUMMARY/,$p' "$RUN_DIR/fuzz.log" | sed 's/^/    /' >&2
if ((rc == 0)); then
  log "POST /auth/logout"
  run --include-path /auth/logout >"$RUN_DIR/logout.log" 2>&1 || rc=$?
  sed -n '/^=* SUMMARY/,$p' "$RUN_DIR/logout.log" | sed 's/^/    /' >&2
fi
if ((rc)); then
  log "failed; the failures:"
  sed -n '/^=* FAILURES/,/^=* SUMMARY/p' "$RUN_DIR"/*.log | head -n 200 | sed 's/^/    /' >&2
fi
log "done in $((SECONDS - t0))s"
exit "$rc"
