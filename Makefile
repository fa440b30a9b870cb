# Vigie — `make run` (build and serve), `make test` (every test), `make build`
# (the release build). Tools that are missing are installed on the way.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

WASM_BINDGEN_VERSION := 0.2.130
BINARYEN_VERSION := 132.0.0
CARGO_DEB_VERSION := 3.8.0
TOOLS := $(CURDIR)/target/tools
# Tools cargo installs land in $CARGO_HOME/bin.
CARGO_HOME ?= $(HOME)/.cargo
# wasm-opt from npm first: Debian's older one breaks the release wasm.
export PATH := $(TOOLS)/node_modules/.bin:$(CARGO_HOME)/bin:$(PATH)
# Where the Rust tests keep their private PostgreSQL when TEST_DATABASE_URL is unset.
export VIGIE_TEST_DATA_DIR ?= /tmp/vigie-test-$(shell id -u)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
# Crates that must never reach the browser's bundle.
SERVER_ONLY_CRATES := diesel|pq-sys|r2d2|tokio|reqwest|ammonia|pulldown-cmark|axum|argon2|lettre|hickory-resolver|surge-ping|croner|chrono-tz

.PHONY: run build site deb deb-tools deb-test test tools rust-tools wasm-bindgen wasm-opt system-packages postgres-server e2e-tools \
        check-wasm-deps fmt-check clippy rust-test e2e fuzz fuzz-quick fuzz-tools chaos measure-storage bench-rollup bench-reads bench-scheduler bench-alerts \
        bench-status bench-subscribers bench-console bench-config clean

## run: build the release and serve on http://127.0.0.1:3000 (VIGIE_BIND to change)
run: build postgres-server
	./target/release/vigie serve

## build: the release server, target/release/vigie, with the site embedded (runs from any folder)
build: site
	cargo build --release -p server --bin vigie

## site: the hydration bundle, stylesheet and public files (target/site) the server embeds
site: tools
	frontend/site.sh

## deb: a Debian package of the release build (target/debian/vigie_*.deb; see README)
deb: build deb-tools
	cargo deb -p server --no-build

deb-tools:
	@cargo deb --version 2>/dev/null | grep -q '$(CARGO_DEB_VERSION)' || \
		cargo install cargo-deb@$(CARGO_DEB_VERSION) --locked --no-default-features

## deb-test: install the package, serve and sign in as the vigie user, remove it (installs on this machine)
deb-test: deb
	packaging/deb/test.sh

## test: formatting, lints, the wasm bundle's dependencies, Rust tests, the package, browser tests
test: tools postgres-server e2e-tools fuzz-tools check-wasm-deps fmt-check clippy site rust-test build deb-test e2e fuzz-quick

tools: system-packages rust-tools wasm-bindgen wasm-opt

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

wasm-bindgen:
	@# Only the wasm-bindgen program (the package's others are for tests),
	@# unoptimised and without debug info: it installs in a third of the
	@# time and binds the same bytes, in 4 s instead of 1 (it runs only
	@# when the wasm changed).
	@wasm-bindgen --version 2>/dev/null | grep -q '$(WASM_BINDGEN_VERSION)' || \
		CARGO_PROFILE_DEV_DEBUG=false \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --bin wasm-bindgen --debug

wasm-opt:
	@[ -x $(TOOLS)/node_modules/.bin/wasm-opt ] || { \
		mkdir -p $(TOOLS) && cd $(TOOLS) && \
		npm install --no-save --no-audit --no-fund --loglevel=error binaryen@$(BINARYEN_VERSION); }

# Build-time system packages: a C compiler, libpq's and SQLite's headers
# (SQLite: reading Uptime Kuma's database), Node for wasm-opt.
system-packages:
	@missing=""; \
	command -v cc >/dev/null || missing="$$missing gcc libc6-dev"; \
	[ -f /usr/include/postgresql/libpq-fe.h ] || missing="$$missing libpq-dev"; \
	[ -f /usr/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(APT_INSTALL) $$missing; \
	fi

# The private PostgreSQL needs the server binaries (unless DATABASE_URL is set).
postgres-server:
	@if [ -z "$${DATABASE_URL:-}" ] && ! command -v initdb >/dev/null && \
		! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing the PostgreSQL server binaries"; \
		$(SUDO) apt-get update -qq && $(APT_INSTALL) postgresql; \
	fi

# Node packages and Debian's Chromium, for the browser tests only.
e2e-tools:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }
	@[ -d end2end/node_modules/@playwright/test ] && [ -d end2end/node_modules/smtp-server ] || \
		(cd end2end && npm ci --no-audit --no-fund --loglevel=error)

check-wasm-deps:
	@found=$$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none \
		| awk '{print $$1}' | sort -u | grep -Ex '$(SERVER_ONLY_CRATES)' || true); \
	if [ -n "$$found" ]; then echo "server-only crates in the wasm bundle: $$found"; exit 1; fi; \
	echo "wasm bundle: no server-only crates"

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy -p app -p server -p site --all-targets --features app/ssr -- -D warnings
	cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings

rust-test:
	@status=0; \
	cargo test -p app -p server --features app/ssr || status=$$?; \
	if [ -z "$${TEST_DATABASE_URL:-}" ]; then \
		./target/debug/vigie --data-dir "$$VIGIE_TEST_DATA_DIR" postgres stop || true; \
	fi; \
	exit $$status

## e2e: Playwright against the release build, on its own port and database
e2e:
	end2end/run.sh

# schemathesis in a virtualenv of its own for the API fuzzer, and `ip` to
# bring up the loopback of its network namespace.
FUZZ_VENV := $(TOOLS)/fuzz-venv
fuzz-tools:
	@# iproute2: the fuzzer's and the ping tests' network namespaces.
	@command -v ip >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) iproute2; }
	@[ -x $(FUZZ_VENV)/bin/schemathesis ] && $(FUZZ_VENV)/bin/pip freeze 2>/dev/null | grep -qxF -f end2end/fuzz-requirements.txt || { \
		command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null || \
			{ $(SUDO) apt-get update -qq && $(APT_INSTALL) python3 python3-venv; }; \
		python3 -m venv $(FUZZ_VENV) && \
		$(FUZZ_VENV)/bin/pip install --quiet --disable-pip-version-check -r end2end/fuzz-requirements.txt; }

## fuzz-quick: the API fuzzer for 90 s against the release build (part of make test)
fuzz-quick:
	FUZZ_VENV=$(FUZZ_VENV) FUZZ_SECONDS=90 end2end/fuzz.sh

## fuzz: the API fuzzer for FUZZ_SECONDS (default 15 minutes)
FUZZ_SECONDS ?= 900
fuzz: build fuzz-tools
	FUZZ_VENV=$(FUZZ_VENV) FUZZ_SECONDS=$(FUZZ_SECONDS) end2end/fuzz.sh

## chaos: kill -9 `vigie serve` at random moments for CHAOS_SECONDS while monitors flap (make test runs 20 s of it)
CHAOS_SECONDS ?= 180
chaos: postgres-server
	VIGIE_CHAOS_SECONDS=$(CHAOS_SECONDS) cargo test -p server --features app/ssr --test it chaos:: -- --nocapture

## measure-storage: database growth per monitor per day (see BENCHMARKS.md)
measure-storage: build postgres-server
	server/benches/storage.sh

## bench-rollup: the daily rollup with maintenance windows left out, beside one without (see BENCHMARKS.md)
bench-rollup: build postgres-server
	server/benches/rollup.sh

## bench-reads: a monitor page's reads of 30 days of checks, plain (before) and packed (see BENCHMARKS.md)
bench-reads: build postgres-server
	server/benches/reads.sh

## bench-scheduler: 10,000 monitors at 30 s against a local target (MONITORS, INTERVAL, FRESH=1: see BENCHMARKS.md)
bench-scheduler: build postgres-server
	server/benches/scheduler.sh

## bench-alerts: event-to-delivery latency and deliveries/s to a local webhook (see BENCHMARKS.md)
bench-alerts: build postgres-server
	server/benches/alerts.sh

## bench-status: a status page at 1,000 connections, beside nginx serving the same page (see BENCHMARKS.md)
bench-status: build postgres-server
	server/benches/status.sh

## bench-subscribers: one update to 10,000 email subscribers through a local SMTP server (see BENCHMARKS.md)
bench-subscribers: build postgres-server e2e-tools
	server/benches/subscribers.sh

## bench-console: the monitor list and overview at 10,000 and 50,000 monitors in Chromium (see BENCHMARKS.md)
bench-console: build postgres-server e2e-tools
	server/benches/console.sh

## bench-config: vigie apply and export of 1,000 and 10,000 monitors (see BENCHMARKS.md)
bench-config: build postgres-server
	server/benches/config.sh

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results
