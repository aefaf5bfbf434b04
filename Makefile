# The two commands a new user runs: `make demo` and `make test` (see README.md).
# Everything else is a building block of those two.

JOBS ?= $(shell nproc)
DEMO_DIR ?= demo-data
DEMO_PORT ?= 8080
FUZZ_SECONDS ?= 30

.PHONY: all deps build build-debug web test test-release test-sanitize lint fuzz-smoke demo bench format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The web dashboard (web/, Vite) into web/dist, which `mercato serve` serves at /ui.
# `npm install` honours package-lock.json; `npm ci` trips over optional platform packages there.
web: deps
	cd web && npm install --no-audit --no-fund --loglevel=error && npm run build --silent

build-debug: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)

# Release build with every test, clang-tidy, a short run of every fuzz target, then the ASan+UBSan
# build with the fast tests.
test: test-release lint fuzz-smoke test-sanitize

test-release: build web
	cd tests/e2e && npm install --no-audit --no-fund --loglevel=error
	ctest --preset release -j $(JOBS) --output-on-failure

test-sanitize: build-debug
	ctest --preset debug -j $(JOBS) --output-on-failure -LE slow

lint: build
	tools/run_clang_tidy.sh build/release

# The fuzz targets only (clang + libFuzzer, build/fuzz), each run FUZZ_SECONDS from its seed corpus.
fuzz-smoke: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	scripts/run-fuzzers.sh build/fuzz $(FUZZ_SECONDS)

demo: build web
	scripts/demo.sh build/release/src/cli/mercato $(DEMO_DIR) $(DEMO_PORT)

bench: build
	scripts/run-benchmarks.sh build/release

format:
	tools/check_format.sh --fix

clean:
	rm -rf build
