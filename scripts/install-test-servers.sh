#!/usr/bin/env bash
# Installs the real servers the store tests start (test/helpers/servers.ts), idempotently:
#   - redis-server from Debian (apt-get), when it is not on PATH;
#   - FerretDB v1 (MongoDB wire protocol on SQLite), built from its Go module into .tools/bin/ferretdb,
#     when that file is missing. Needs the Go toolchain (>= 1.21; FerretDB v1.24 asks for Go 1.22, which
#     Go 1.21+ fetches itself from the Go module proxy when older).
# Only package registries are used: Debian apt and the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.0
ferretdb_bin="$repo/.tools/bin/ferretdb"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== redis-server (Debian package)"
if command -v redis-server >/dev/null 2>&1; then
  echo "already installed: $(command -v redis-server) ($(redis-server --version | head -n1))"
else
  echo "installing redis-server with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  echo "installed: $(command -v redis-server) ($(redis-server --version | head -n1))"
fi

echo "== FerretDB $FERRETDB_VERSION (MongoDB wire protocol on SQLite) -> ${ferretdb_bin#"$repo"/}"
build_ferretdb() {
  if ! command -v go >/dev/null 2>&1; then
    echo "error: the Go toolchain (go) is needed to build FerretDB; install it (https://go.dev/dl or Debian's golang-go >= 1.21) and re-run" >&2
    exit 1
  fi
  echo "using $(go version)"

  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT

  # `go install module@version` does not work through every proxy (it asks for the module's version list to
  # check for retractions/deprecations); downloading the exact version and building it does.
  echo "downloading $FERRETDB_MODULE@$FERRETDB_VERSION through the Go module proxy"
  local json module_dir
  if ! json="$(cd "$work" && go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")"; then
    echo "$json" >&2
    echo "error: go mod download failed" >&2
    exit 1
  fi
  module_dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$module_dir" ] || [ ! -d "$module_dir" ]; then
    echo "$json" >&2
    echo "error: no module directory in the go mod download output" >&2
    exit 1
  fi

  # FerretDB's main package panics at startup unless build/version/version.txt holds its version: release
  # builds generate that file from git, and the module zip does not contain it. The module cache is read-only
  # (and `go build -overlay` refuses to replace files in it), so the source is built from a writable copy.
  local src="$work/FerretDB-$FERRETDB_VERSION"
  echo "copying the module source to $src (adds build/version/version.txt)"
  cp -R "$module_dir" "$src"
  chmod -R u+w "$src"
  printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  printf '%s\n' "source" >"$src/build/version/package.txt"

  echo "building ./cmd/ferretdb (takes about a minute on a cold Go build cache)"
  mkdir -p "$(dirname "$ferretdb_bin")"
  local start
  start=$(date +%s)
  (cd "$src" && go build -buildvcs=false -trimpath -o "$ferretdb_bin.tmp" ./cmd/ferretdb)
  mv -f "$ferretdb_bin.tmp" "$ferretdb_bin"
  echo "built in $(($(date +%s) - start)) s: $("$ferretdb_bin" --version | head -n1)"
}

if [ -x "$ferretdb_bin" ] && "$ferretdb_bin" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"; then
  echo "already built: $("$ferretdb_bin" --version | head -n1)"
else
  if [ -e "$ferretdb_bin" ]; then echo "the existing binary does not run or is not $FERRETDB_VERSION; rebuilding"; fi
  build_ferretdb
fi
