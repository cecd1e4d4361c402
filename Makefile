# Kaleido: `make demo` and `make test` do all set-up on a fresh Debian machine.
#
#   make demo    install what is missing, build the package, serve www/ on http://127.0.0.1:8080
#   make test    install what is missing (incl. chromium), then fmt, clippy, cargo test,
#                SQL on DuckDB, PostgreSQL and Spark, build, Node tests, TypeScript check, browser tests
#   make build   the npm package into pkg/ (and a copy in www/pkg/ for the demo)
#   make test-spark  only the SQL compiler checked on local Spark (pyspark, Java 17+; also in `make test`)
#   make bench   the benchmarks in bench/ (run against pkg/)
#   make size    raw and gzip size of the shipped .wasm and JS
#   make pack    npm pack pkg/ into kaleido-<version>.tgz

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# A cache only: kept outside the clone so a fresh clone builds incrementally.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/kaleido-target
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all setup setup-test build demo test test-spark bench size pack clean

all: build

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test

build: setup
	bash scripts/build.sh

demo: build
	@echo "Open http://127.0.0.1:8080 (Ctrl-C stops the server)"
	node scripts/serve.mjs 8080

test: setup-test
	bash scripts/test.sh

test-spark:
	bash scripts/setup.sh --spark
	cargo test --test sql spark -- --ignored --nocapture

bench: build
	@set -e; found=0; for f in bench/*.mjs; do \
	  [ -f "$$f" ] || continue; found=1; echo "== node $$f"; node "$$f"; \
	done; [ "$$found" = 1 ] || echo "no benchmarks in bench/"

size:
	@[ -f pkg/package.json ] || bash scripts/build.sh
	bash scripts/size.sh

pack: build
	cd pkg && npm pack --pack-destination ..

clean:
	rm -rf pkg www/pkg
