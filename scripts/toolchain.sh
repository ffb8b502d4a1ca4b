# shellcheck shell=bash
# Pinned toolchain, installed into the project's .tools/ folder; sourced by scripts/vigil and .ci/run.
DENO_VERSION="2.9.6"
NATS_SERVER_VERSION="v2.11.9"
TOOLS="${VIGIL_TOOLS_DIR:-$(pwd)/.tools}"
DENO="$TOOLS/deno-npm/node_modules/.bin/deno"
export VIGIL_NATS_SERVER_BIN="${VIGIL_NATS_SERVER_BIN:-$TOOLS/bin/nats-server}"

ensure_toolchain() {
  mkdir -p "$TOOLS/bin"
  if [ ! -x "$DENO" ] || ! "$DENO" --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
    echo "vigil: installing Deno $DENO_VERSION from npm into $TOOLS/deno-npm" >&2
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/deno-npm" "deno@$DENO_VERSION" >&2
  fi
  if [ ! -x "$VIGIL_NATS_SERVER_BIN" ]; then
    if command -v go >/dev/null 2>&1; then
      echo "vigil: building nats-server $NATS_SERVER_VERSION with go install (about a minute)" >&2
      GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION" >&2
    elif command -v nats-server >/dev/null 2>&1; then
      ln -sf "$(command -v nats-server)" "$VIGIL_NATS_SERVER_BIN"
    else
      echo "vigil: installing nats-server from Debian" >&2
      apt-get install -y -qq nats-server >&2 || { apt-get update -qq >&2 && apt-get install -y -qq nats-server >&2; }
      ln -sf "$(command -v nats-server)" "$VIGIL_NATS_SERVER_BIN"
    fi
  fi
  export PATH="$TOOLS/bin:$(dirname "$DENO"):$PATH"
  export DENO_NO_UPDATE_CHECK=1
}
