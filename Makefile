# dropship-webhooks — one command per job. `make` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.cargo/bin:$(PATH)

CARGO ?= cargo
# Debian's rustc-web toolchain, the only one here with sources to build core/alloc for wasm32 (TOOLCHAIN.md).
DEBIAN_CARGO := RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo
PYTHON ?= python3

.PHONY: help setup demo test fmt fmt-check lint lint-python generate generate-check test-core test-delivery \
	test-examples bench-delivery build-node test-node build-python test-python build-wasm test-wasm build-arm64 test-arm64 test-cli \
	nostd fuzz bench-core wasm-sizes \
	bench-bodies bench-node bench-python bench-wasm bench-worker bench-rss bench clean test-e2e test-console image test-image

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## install whatever is missing (idempotent; seconds when everything is there)
	@scripts/setup.sh all

demo: ## the whole system: delivery service + Express, FastAPI and Worker receivers from the packed packages, 29 topics, rotation, retries
	@scripts/setup.sh all
	$(PYTHON) scripts/demo.py

test: setup fmt-check lint lint-python generate-check test-core nostd test-node test-python test-wasm test-arm64 test-delivery test-image test-examples test-e2e test-cli test-console ## every check and test, in every language
	@echo "make test: all checks passed"

fmt: ## format the Rust code
	$(CARGO) fmt --all

fmt-check: ## fail if the Rust code is not formatted
	$(CARGO) fmt --all -- --check

lint: ## clippy and rustdoc with warnings as errors
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p dropship-webhooks -p dropship-delivery-service --no-deps --locked

lint-python: ## mypy --strict on every Python file of the repo (generators, scripts, type checks)
	@scripts/setup.sh types
	MYPYPATH=scripts .venv/bin/mypy --strict scripts tests/vectors/generate.py tests/vectors/events_cases.py \
		tests/vectors/rules_cases.py
	MYPYPATH=scripts .venv/bin/mypy --strict core/samples/generate.py
	MYPYPATH=bindings-python/python .venv/bin/mypy --strict tests/types/check_events.py

generate: ## regenerate everything derived from the Rust types and the catalog, in order: schema, samples, vectors, types, the ES entries' export list
	$(CARGO) run --quiet --locked -p dropship-webhooks-codegen
	$(PYTHON) core/samples/generate.py
	$(PYTHON) tests/vectors/generate.py
	$(PYTHON) scripts/codegen.py
	$(PYTHON) scripts/es_entries.py
	$(CARGO) run --quiet --locked -p dropship-delivery-service -- --openapi > examples/delivery-service/openapi.json
	$(CARGO) run --quiet --locked -p dropship-delivery-service -- --options-markdown | $(PYTHON) scripts/service_options.py
	@scripts/setup.sh types
	tools/typecheck/node_modules/.bin/openapi-typescript examples/delivery-service/openapi.json --empty-objects-unknown \
		-o examples/delivery-service/openapi.d.ts

generate-check: ## fail if anything `make generate` writes differs from what is committed; type-check the generated types
	@scripts/setup.sh types
	$(CARGO) run --quiet --locked -p dropship-webhooks-codegen -- --check
	$(PYTHON) core/samples/generate.py --check
	$(PYTHON) tests/vectors/generate.py --check
	$(PYTHON) scripts/codegen.py --check
	$(PYTHON) scripts/es_entries.py --check
	@# The delivery service's OpenAPI document, generated from its code: the committed copy must be current.
	$(CARGO) run --quiet --locked -p dropship-delivery-service -- --openapi | diff -u examples/delivery-service/openapi.json - \
		|| { echo "examples/delivery-service/openapi.json is stale: run make generate"; exit 1; }
	$(CARGO) run --quiet --locked -p dropship-delivery-service -- --options-markdown | $(PYTHON) scripts/service_options.py --check
	@mkdir -p target/generate-check
	@# ...and so must the TypeScript types made from it, which a typed client (tests/types/delivery_client.ts) uses.
	tools/typecheck/node_modules/.bin/openapi-typescript examples/delivery-service/openapi.json --empty-objects-unknown -o target/generate-check/openapi.d.ts
	diff -u examples/delivery-service/openapi.d.ts target/generate-check/openapi.d.ts \
		|| { echo "examples/delivery-service/openapi.d.ts is stale: run make generate"; exit 1; }
	tools/typecheck/node_modules/.bin/tsc --noEmit --strict --target es2020 --module nodenext \
		--moduleResolution nodenext --types node --typeRoots tools/typecheck/node_modules/@types \
		tests/types/narrowing.ts tests/types/delivery_client.ts
	.venv/bin/python tests/types/check_events.py

test-core: ## the core's unit, vector, property and doc tests
	$(CARGO) test -p dropship-webhooks --locked

test-delivery: ## the delivery service's tests, on SQLite and on a throwaway Postgres (scripts/postgres.sh)
	@scripts/setup.sh delivery
	@scripts/setup.sh types
	.venv/bin/python -m pytest -q tests/e2e/test_postgres_script.py
	@# Starting Postgres is its own step: when it fails, make stops here with the reason.
	url=$$(scripts/postgres.sh start) && DELIVERY_TEST_POSTGRES_URL=$$url DELIVERY_TEST_REQUIRE_POSTGRES=1 \
		$(CARGO) test -p dropship-delivery-service --locked
	$(CARGO) build -p dropship-delivery-service --bin delivery-service --locked
	.venv/bin/python -m pytest -q tests/e2e/test_metrics.py tests/e2e/test_openapi.py

# The image's binary is the release build for `make image`; `make test-image` puts the debug build the other tests
# use in the same image, tagged `test` (the Containerfile and the files are the same; a release build would add
# minutes to CI).
IMAGE ?= localhost/dropship-delivery-service
IMAGE_PROFILE ?= release
IMAGE_TAG ?= latest

image: ## the delivery service's container image (examples/delivery-service/Containerfile), built with podman, no registry needed
	@scripts/setup.sh image
	$(CARGO) build --locked -p dropship-delivery-service --bin delivery-service $(if $(filter release,$(IMAGE_PROFILE)),--release)
	scripts/image-rootfs.sh target/$(if $(filter release,$(IMAGE_PROFILE)),release,debug)/delivery-service target/image
	podman build --quiet -f examples/delivery-service/Containerfile --target prebuilt -t $(IMAGE):$(IMAGE_TAG) .
	@# The image this build replaced under the tag, untagged now: removed, not left to pile up.
	@podman image prune -f --filter label=org.opencontainers.image.title="dropship-webhooks delivery-service" >/dev/null

test-image: ## the image built and run with podman: alone on SQLite, and as compose.yaml's API and two workers on Postgres
	$(MAKE) --no-print-directory image IMAGE=$(IMAGE) IMAGE_PROFILE=debug IMAGE_TAG=test
	@scripts/setup.sh types
	url=$$(scripts/postgres.sh start) && DELIVERY_TEST_POSTGRES_URL=$$url DELIVERY_TEST_REQUIRE_POSTGRES=1 \
		DELIVERY_TEST_IMAGE=$(IMAGE):test \
		.venv/bin/python -m pytest -q tests/e2e/test_image.py

test-examples: build-node build-python build-wasm ## every receiver example and the README quick starts, each sent a signed and a tampered event
	@scripts/setup.sh examples
	cd tests/e2e && node --test receivers.test.mjs readme.test.mjs
	.venv/bin/python -m pytest -q -W ignore::DeprecationWarning tests/e2e/test_receivers.py tests/e2e/test_readme.py
	MYPYPATH=bindings-python/python .venv/bin/mypy --config-file examples/receivers/python/mypy.ini \
		examples/receivers/python examples/demo/fastapi_receiver.py tests/e2e/test_receivers.py tests/e2e/test_demo.py \
		tests/e2e/test_readme.py tests/e2e/test_postgres_script.py tests/e2e/test_metrics.py \
		tests/e2e/test_openapi.py tests/e2e/test_image.py

test-e2e: ## the demo's flow as assertions (scripts/demo.py --check)
	.venv/bin/python -m pytest -q tests/e2e/test_demo.py

bench-delivery: ## the delivery service end to end (its binary in its own processes) and its in-process drain, lists and console, SQLite and Postgres
	@scripts/setup.sh delivery
	url=$$(scripts/postgres.sh start) && DELIVERY_TEST_POSTGRES_URL=$$url \
		$(CARGO) bench -p dropship-delivery-service --bench end_to_end --locked
	url=$$(scripts/postgres.sh start) && DELIVERY_TEST_POSTGRES_URL=$$url \
		$(CARGO) bench -p dropship-delivery-service --bench delivery --locked

build-node: ## build the Node addon (bindings-js, release)
	@scripts/setup.sh node
	cd bindings-js && npx napi build --platform --release --js native.cjs --dts native.d.ts
	@# The napi-rs layout: the binary also goes into its platform's package (bindings-js/npm/linux-x64-gnu).
	cp bindings-js/dropship-webhooks.linux-x64-gnu.node bindings-js/npm/linux-x64-gnu/

test-node: build-node build-wasm ## the Node package: every shared vector, the framework helpers, the packed tarball
	@scripts/setup.sh types
	cd bindings-js && node --test test/

build-python: ## build the Python extension into .venv (maturin develop, release)
	@scripts/setup.sh types
	cd bindings-python && ../.venv/bin/maturin develop --release --quiet

test-python: build-python ## the Python package: every shared vector, the framework helpers, source/sdist/wheel installs, the stubs (stubtest)
	.venv/bin/python -m pytest -q -W ignore::DeprecationWarning bindings-python/tests
	MYPYPATH=bindings-python/python .venv/bin/mypy --strict bindings-python/python/dropship_webhooks \
		bindings-python/tests/test_vectors.py bindings-python/tests/test_readme.py bindings-python/tests/test_packaging.py \
		bindings-python/tests/test_sinks.py bindings-python/tests/test_secrets.py bindings-python/tests/test_options.py \
		bindings-python/tests/test_router.py bindings-python/tests/test_bench_peers.py
	@# The stubs against the built extension: every name, signature and default as it is at run time.
	cd bindings-python/python && ../../.venv/bin/python -m mypy.stubtest dropship_webhooks._native --allowlist ../stubtest-allowlist.txt

build-wasm: ## build the WebAssembly package (bindings-wasm/dist) and print the module's size
	scripts/build-wasm.sh

wasm-sizes: build-wasm ## where the WebAssembly module's bytes go: code per crate and the largest functions (the same -O3 build, names kept)
	@mkdir -p target/wasm-sizes
	wasm-bindgen --target nodejs --keep-debug --out-dir target/wasm-sizes --out-name sizes \
		target/wasm/wasm32-unknown-unknown/wasm/dropship_webhooks_wasm.wasm
	bindings-wasm/node_modules/.bin/wasm-opt -O3 -g --strip-producers target/wasm-sizes/sizes_bg.wasm \
		-o target/wasm-sizes/sizes_bg.wasm
	$(PYTHON) scripts/wasm_sizes.py target/wasm-sizes/sizes_bg.wasm

test-wasm: build-wasm ## the shared JS vector and framework suites on the WebAssembly build in Node, the vectors in headless Chromium; a Worker on workerd, Deno, Bun
	cd bindings-js && DROPSHIP_WEBHOOKS_MODULE=$(CURDIR)/bindings-wasm/dist/node.cjs node --test test/vectors.test.mjs test/frameworks.test.js test/bodies.test.mjs test/options.test.mjs
	cd bindings-wasm && node --test test/

test-console: ## the delivery service's console in headless Chromium (playwright-core, axe-core): every flow, a screenshot of every page
	@scripts/setup.sh console
	$(CARGO) build -p dropship-delivery-service --bin delivery-service --locked
	cd examples/delivery-service/tests/browser && node --test console.test.mjs

test-cli: ## the command line (cli/) end to end: every command and verify reason, trigger → listen for every topic, byte-exact forwarding, the service commands against a real delivery service, the README blocks
	@scripts/setup.sh delivery
	$(CARGO) test -p dropship-webhooks-cli --locked

build-arm64: ## build the Linux arm64 Node addon (its platform package) and Python wheel with Debian's cross toolchain
	scripts/build-arm64.sh

test-arm64: build-arm64 build-wasm ## the arm64 builds on arm64 (qemu-user, Debian's Node.js and CPython): the npm install, every shared vector native and on the wasm fallback, the wheel's tests
	tests/platforms/arm64.sh

nostd: ## prove the core is no_std: build it for wasm32 with only core and alloc
	@scripts/setup.sh wasm
	$(DEBIAN_CARGO) build --locked -p dropship-webhooks --release --target wasm32-unknown-unknown \
		-Zbuild-std=core,alloc --target-dir target/nostd
	@echo "nostd: dropship-webhooks builds for wasm32-unknown-unknown with core+alloc only"

FUZZ_SECONDS ?= 60
# FUZZ_RUNS=10000000 runs each target to that many executions instead of for FUZZ_SECONDS.
FUZZ_RUNS ?=
FUZZ_LENGTH := $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))
FUZZ_TARGETS := signature_headers verify parse_event endpoint_url json_grammar walks
fuzz: ## run every cargo-fuzz target for FUZZ_SECONDS (default 60) or FUZZ_RUNS executions each, on rustup's nightly toolchain
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	@for seeded in parse_event walks; do mkdir -p fuzz/corpus/$$seeded && cp core/samples/*.json fuzz/corpus/$$seeded/; done
	@set -o pipefail; for target in $(FUZZ_TARGETS); do \
		echo "== fuzz $$target ($(FUZZ_LENGTH))"; \
		mkdir -p fuzz/corpus/$$target; \
		if [ -d fuzz/regressions/$$target ]; then cp fuzz/regressions/$$target/* fuzz/corpus/$$target/; fi; \
		(cd fuzz && $(CARGO) +nightly fuzz run $$target -- $(FUZZ_LENGTH) -print_final_stats=1 \
			> ../target/fuzz-$$target.log 2>&1) \
			|| { tail -40 target/fuzz-$$target.log; echo "fuzz: $$target found a crash (fuzz/artifacts/$$target)"; exit 1; }; \
		grep -E 'Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb' target/fuzz-$$target.log; \
	done

bench-core: bench-bodies ## criterion: verify cost against one raw HMAC, event parsing; prints the tables
	$(CARGO) bench -p dropship-webhooks --bench verify --bench parse --locked
	@$(PYTHON) scripts/bench_table.py

bench-bodies: ## the bodies every binding benchmark verifies (target/bench/bodies.json)
	$(PYTHON) scripts/bench_bodies.py

bench-node: build-node bench-bodies ## verify+parse/s in Node against node:crypto by hand, standardwebhooks and svix
	cd bindings-js && node bench/verify.bench.js

bench-python: build-python bench-bodies ## verify+parse/s in Python against hmac by hand, standardwebhooks and svix
	.venv/bin/python bindings-python/bench/verify_bench.py

bench-wasm: build-wasm build-node bench-bodies ## the WebAssembly build in Node against node:crypto by hand, standardwebhooks, svix
	cd bindings-js && DROPSHIP_WEBHOOKS_MODULE=$(CURDIR)/bindings-wasm/dist/node.cjs node bench/verify.bench.js

bench-worker: build-wasm build-node bench-bodies ## the WebAssembly build in a Worker on workerd (miniflare) against crypto.subtle by hand and standardwebhooks
	cd bindings-wasm && node bench/worker.bench.mjs

bench-rss: build-node build-python build-wasm bench-bodies ## resident memory over one million verify calls in each binding
	@echo "resident set over one million verify calls (1 KiB canonical and platform bodies, every tenth refused)"
	@echo
	@echo "| binding | calls | RSS settled | RSS at the end | growth |"
	@echo "|---|---:|---:|---:|---:|"
	@node --expose-gc bindings-js/bench/rss.js
	@DROPSHIP_WEBHOOKS_MODULE=$(CURDIR)/bindings-wasm/dist/node.cjs node --expose-gc bindings-js/bench/rss.js
	@.venv/bin/python bindings-python/bench/rss.py

bench: ## every benchmark (core, Node, Python, wasm, delivery service); writes BENCHMARKS.md
	@scripts/setup.sh all
	$(PYTHON) scripts/benchmarks.py

clean: ## remove build output
	$(CARGO) clean
