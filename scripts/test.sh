#!/usr/bin/env bash
# The whole test suite, as `make test` runs it (after scripts/setup.sh --test):
# formatting, clippy (native and wasm32), cargo test, the package build, the Node
# tests against pkg/, the TypeScript consumer check and the browser tests in
# headless Chromium. Every step runs even if an earlier one failed (steps that
# need pkg/ are skipped when the build failed); exits non-zero on any failure.
# `cargo test` includes tests/sql.rs: compiled SQL checked on DuckDB and a
# throwaway PostgreSQL server (scripts/setup.sh --test installs both);
# then the same on local Spark (pyspark; KALEIDO_TEST_SPARK=0 skips it,
# `make test-spark` runs it alone).
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kaleido-target}"
export PATH="$HOME/.cargo/bin:$PATH"

LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kaleido-test.XXXXXX")
trap 'rm -rf "$LOG_DIR"' EXIT
SUMMARY=()
FAILED=0
BUILD_OK=1

step() {
  local name=$1; shift
  local log="$LOG_DIR/$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
  printf '\n\033[1m== %s\033[0m\n' "$name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local took=$((SECONDS - start))
  if [ "$rc" = 0 ]; then
    SUMMARY+=("ok    $name (${took}s)")
  else
    SUMMARY+=("FAIL  $name (exit $rc, ${took}s)")
    FAILED=1
  fi
  return "$rc"
}

skip() { SUMMARY+=("skip  $1 ($2)"); }

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy (native)" cargo clippy --all-targets -- -D warnings
step "cargo clippy (wasm32)" cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
step "cargo test" cargo test
# The SQL compiler on local Spark (pyspark): about 6-11 minutes on 2 cores,
# which fits CI's 90 minutes; KALEIDO_TEST_SPARK=0 skips it.
if [ "${KALEIDO_TEST_SPARK:-1}" = 0 ]; then
  skip "SQL on Spark (pyspark)" "KALEIDO_TEST_SPARK=0"
else
  step "SQL on Spark (pyspark)" cargo test --test sql spark -- --ignored
fi
step "build pkg/" bash scripts/build.sh || BUILD_OK=0

if [ "$BUILD_OK" = 1 ]; then
  step "node tests (pkg/)" node --test --test-reporter=spec tests/node/
  step "types (tsc --noEmit --strict)" node_modules/.bin/tsc -p tests/types/tsconfig.json
  if [ -d tests/browser ] && compgen -G "tests/browser/*.test.mjs" >/dev/null; then
    step "browser tests (chromium)" node --test --test-reporter=spec tests/browser/
  else
    skip "browser tests (chromium)" "no tests/browser/*.test.mjs"
  fi
else
  skip "node tests (pkg/)" "build failed"
  skip "types (tsc --noEmit --strict)" "build failed"
  skip "browser tests (chromium)" "build failed"
fi

# Totals over every runner: cargo's "test result:" lines and node's spec summary.
passed=0
failed=0
for log in "$LOG_DIR"/*.log; do
  while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
  done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log")
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
done

printf '\n\033[1m== summary\033[0m\n'
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" = 0 ] && [ "$failed" = 0 ]; then
  echo "all steps passed"
else
  echo "SOME STEPS FAILED"
  FAILED=1
fi
echo "tests: $passed passed, $failed failed"
exit "$FAILED"
