#!/usr/bin/env bash
# Installs what building and testing Kaleido needs, idempotently, on a fresh
# Debian machine (root, Rust via rustup, Node 20, package registries only).
#
#   scripts/setup.sh          build tools: wasm32 target, wasm-pack, wasm-bindgen-cli
#                             (the exact version Cargo.lock pins), binaryen, npm dev deps
#   scripts/setup.sh --test   also Debian's chromium + chromium-driver for browser tests
#
# Set KALEIDO_SETUP_POSTGRES=1 to also install PostgreSQL (for the SQL tests, later).
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WANT_TEST=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
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
  cargo install --locked wasm-pack
fi

# --- wasm-bindgen-cli at the version Cargo.lock pins -------------------------
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$BINDGEN_VERSION" ]; then
  echo "setup: cannot find wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli --version $BINDGEN_VERSION"
  cargo install --locked --force wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

# --- Debian packages ---------------------------------------------------------
APT_PACKAGES=()
have wasm-opt || APT_PACKAGES+=(binaryen)
if [ "$WANT_TEST" = 1 ]; then
  have chromium || APT_PACKAGES+=(chromium)
  have chromedriver || APT_PACKAGES+=(chromium-driver)
fi
if [ "${KALEIDO_SETUP_POSTGRES:-0}" = 1 ]; then
  have psql || APT_PACKAGES+=(postgresql)
fi
if [ "${#APT_PACKAGES[@]}" -gt 0 ]; then
  say "apt-get install ${APT_PACKAGES[*]}"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
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
