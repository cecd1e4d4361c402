#!/usr/bin/env bash
# Builds the npm package `kaleido` into pkg/ (and a copy for the demo in www/pkg/).
#
#   two wasm-pack builds (release; --target web and --target nodejs; wasm-pack's
#   own wasm-opt is off in Cargo.toml), Debian's `wasm-opt -Oz` on each .wasm,
#   then pkg/ = those builds + pkg-template/.
#
# Environment: CARGO_TARGET_DIR (cache; default $HOME/.cache/kaleido-target),
# WASM_OPT=0 to skip wasm-opt (faster local iteration).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kaleido-target}"
# Keep the target_features section (Cargo.toml strips symbols) so wasm-bindgen sees
# which Wasm features are on; wasm-opt drops names and debug info afterwards.
export CARGO_PROFILE_RELEASE_STRIP=debuginfo
OUT="$CARGO_TARGET_DIR/kaleido-pkg"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

step() { printf '\033[1m== %s\033[0m\n' "$*"; }

for target in web nodejs; do
  step "wasm-pack build --release --target $target"
  rm -rf "$OUT/$target"
  wasm-pack --quiet build "$ROOT" --release --target "$target" \
    --out-dir "$OUT/$target" --out-name kaleido --no-pack --no-typescript --weak-refs
done

# Rust 1.95 emits these post-MVP features for wasm32-unknown-unknown by default;
# binaryen must be told it may keep them (Debian's wasm-opt does not read the
# target-features section in every version).
WASM_OPT_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals)
if [ "${WASM_OPT:-1}" != 0 ]; then
  for target in web nodejs; do
    wasm="$OUT/$target/kaleido_bg.wasm"
    step "wasm-opt -Oz $target ($(stat -c %s "$wasm") bytes)"
    wasm-opt -Oz --strip-debug --strip-producers "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    node scripts/fix-table-export.mjs "$wasm"
    echo "   -> $(stat -c %s "$wasm") bytes"
  done
fi

step "assemble pkg/"
rm -rf pkg
mkdir -p pkg/web pkg/node
cp "$OUT/web/kaleido.js" "$OUT/web/kaleido_bg.wasm" pkg/web/
cp "$OUT/nodejs/kaleido.js" "$OUT/nodejs/kaleido_bg.wasm" pkg/node/
# The Node build is CommonJS inside an ESM package.
printf '{ "type": "commonjs" }\n' > pkg/node/package.json
# JS snippets of the boundary (src/wasm/pick.js): wasm-bindgen writes
# them as ES modules and the Node build require()s them, so the Node copies
# get CommonJS exports (`export function f` -> `exports.f = f; function f`).
for target in web nodejs; do
  dest=pkg/web; [ "$target" = nodejs ] && dest=pkg/node
  if [ -d "$OUT/$target/snippets" ]; then cp -r "$OUT/$target/snippets" "$dest/"; fi
done
if [ -d pkg/node/snippets ]; then
  find pkg/node/snippets -name '*.js' -print0 | xargs -0 -r sed -i -E \
    's/^export function ([A-Za-z0-9_$]+)/exports.\1 = \1; function \1/'
  if grep -rqE '^\s*(export|import) ' pkg/node/snippets; then
    echo "build: a Node snippet still has ES module syntax" >&2
    exit 1
  fi
fi
cp pkg-template/index.js pkg-template/index.d.ts pkg-template/node.mjs pkg-template/node.cjs \
  pkg-template/worker.js pkg-template/worker-client.js pkg-template/worker-client.d.ts \
  pkg-template/README.md pkg/
# The command-line tool (`npx kaleido`), executable.
cp -r pkg-template/bin pkg/bin
chmod +x pkg/bin/kaleido.mjs
sed "s/\"version\": \"[^\"]*\"/\"version\": \"$VERSION\"/" pkg-template/package.json > pkg/package.json
[ -f LICENSE ] && cp LICENSE pkg/

if [ -d www ]; then
  rm -rf www/pkg
  cp -r pkg www/pkg
fi
step "pkg/ $VERSION ready"
