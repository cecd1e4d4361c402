#!/usr/bin/env bash
# Prints the raw and gzip (-9) size of what the package ships: the .wasm and the JS.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f pkg/package.json ]; then
  echo "size: pkg/ is not built; run 'make build' first" >&2
  exit 1
fi
row() { printf '%-28s %10s %10s\n' "$1" "$2" "$3"; }
gz() { gzip -9 -c "$@" | wc -c; }
row "file" "raw" "gzip"
for f in pkg/web/kaleido_bg.wasm pkg/web/kaleido.js pkg/index.js pkg/node/kaleido_bg.wasm pkg/node/kaleido.js pkg/node.cjs pkg/node.mjs pkg/index.d.ts; do
  [ -f "$f" ] && row "${f#pkg/}" "$(stat -c %s "$f")" "$(gz "$f")"
done
web_js=(pkg/web/kaleido.js pkg/index.js)
row "browser total (wasm + js)" \
  "$(( $(stat -c %s pkg/web/kaleido_bg.wasm) + $(cat "${web_js[@]}" | wc -c) ))" \
  "$(( $(gz pkg/web/kaleido_bg.wasm) + $(cat "${web_js[@]}" | gzip -9 -c | wc -c) ))"
