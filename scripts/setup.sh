#!/usr/bin/env bash
# Installs what building and testing Kaleido needs, idempotently, on a fresh
# Debian machine (root, Rust via rustup, Node 20, package registries only).
#
#   scripts/setup.sh          build tools: wasm32 target, wasm-pack, wasm-bindgen-cli
#                             (the exact version Cargo.lock pins), binaryen, npm dev deps
#   scripts/setup.sh --test   also Debian's chromium + chromium-driver for browser tests, and
#                             the SQL engines tests/sql.rs checks against: Debian's postgresql
#                             (server binaries; the test starts its own throwaway server) and
#                             the `duckdb` Python package (pip)
#                             and, unless KALEIDO_TEST_SPARK=0, what --spark installs
#   scripts/setup.sh --spark  also the `pyspark` Python package and a Java runtime (the Spark
#                             run of the SQL tests, part of `make test`; `make test-spark` alone)
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
WANT_SPARK=0
for arg in "$@"; do
  case "$arg" in
    --test) WANT_TEST=1; [ "${KALEIDO_TEST_SPARK:-1}" = 0 ] || WANT_SPARK=1 ;;
    --spark) WANT_SPARK=1 ;;
    *) echo "usage: $0 [--test] [--spark]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1msetup: %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

export PATH="$HOME/.cargo/bin:$PATH"

# --- Rust target -----------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-pack ---------------------------------------------------------------
if ! have wasm-pack; then
  say "cargo install wasm-pack"
  cargo install --locked wasm-pack || cargo install wasm-pack
fi

# --- wasm-bindgen-cli at the version Cargo.lock pins -------------------------
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$BINDGEN_VERSION" ]; then
  echo "setup: cannot find wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli --version $BINDGEN_VERSION"
  # Its lock file can pin a release the registry has since yanked (seen:
  # webpki-roots 1.0.11): then resolve afresh, the CLI version still exact.
  cargo install --locked --force wasm-bindgen-cli --version "$BINDGEN_VERSION" ||
    cargo install --force wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

# --- Debian packages ---------------------------------------------------------
APT_PACKAGES=()
have wasm-opt || APT_PACKAGES+=(binaryen)
if [ "$WANT_TEST" = 1 ]; then
  have chromium || APT_PACKAGES+=(chromium)
  have chromedriver || APT_PACKAGES+=(chromium-driver)
fi
# PostgreSQL server binaries (initdb, pg_ctl) live under /usr/lib/postgresql/N/bin.
have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && have psql; }
if [ "$WANT_TEST" = 1 ] || [ "${KALEIDO_SETUP_POSTGRES:-0}" = 1 ]; then
  have_postgres || APT_PACKAGES+=(postgresql)
  have python3 || APT_PACKAGES+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3-pip)
fi
if [ "$WANT_SPARK" = 1 ]; then
  have java || APT_PACKAGES+=(default-jre-headless)
  have python3 || APT_PACKAGES+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3-pip)
fi
if [ "${#APT_PACKAGES[@]}" -gt 0 ]; then
  say "apt-get install ${APT_PACKAGES[*]}"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
fi

# --- Python packages for the SQL engine tests ---------------------------------
# pip into the user's python3; on a Debian-managed python3 (PEP 668) pip needs
# --break-system-packages (user site only, nothing of Debian's is replaced).
pip_install() {
  say "pip install $*"
  python3 -m pip install --quiet "$@" 2>/dev/null ||
    python3 -m pip install --quiet --user --break-system-packages "$@"
}
if [ "$WANT_TEST" = 1 ] || [ "${KALEIDO_SETUP_POSTGRES:-0}" = 1 ]; then
  python3 -c 'import duckdb' 2>/dev/null || pip_install duckdb
fi
if [ "$WANT_SPARK" = 1 ]; then
  python3 -c 'import pyspark' 2>/dev/null || pip_install pyspark
fi

# --- npm dev dependencies ----------------------------------------------------
# Reinstall when node_modules is missing or older than package.json / the lock.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  if [ -f package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund || {
      say "package-lock.json is out of date with package.json: npm install"
      npm install --no-audit --no-fund
    }
  else
    say "npm install"
    npm install --no-audit --no-fund
  fi
fi

say "ok (rustc $(rustc --version | awk '{print $2}'), wasm-pack $(wasm-pack --version | awk '{print $2}'), wasm-bindgen $BINDGEN_VERSION, $(wasm-opt --version), node $(node --version))"
