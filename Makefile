# supportd — `make help` lists the targets.
SHELL := /bin/bash
# Two roles (scripts/db.sh creates both): serve connects as the application
# role, which row-level security binds; migrations run as the owner.
export DATABASE_URL ?= postgres://supportd_app:supportd_app@127.0.0.1:5432/supportd?sslmode=disable
export SUPPORTD_DATABASE_OWNER_URL ?= postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable
GO ?= go
BIN := bin/supportd

.PHONY: scale-test faults replica help run test build db redis chromium node migrate scenario scenario-drift scenario-week bench-gateway bench-eval ingest-demo lint bench bench-ingest bench-retrieval bench-quality bench-streams soak fuzz detector-model detector-report drift-report clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: db build ## provision Postgres+pgvector, migrate, ingest the demo KB and serve on :8080 (prints the /demo and /console URLs)
	@$(BIN) migrate
	@$(BIN) ingest --kb demo goldenset/corpus | tail -1
	@key=$$($(BIN) keys create --tenant default --scope chat,ingest,eval,agent,admin --name make-run --expires 24h 2>/dev/null) && \
	pk=$$($(BIN) keys create --tenant default --widget --origin http://localhost:8080 --origin http://127.0.0.1:8080 --name make-run-demo --expires 24h 2>/dev/null) && \
	echo && echo "supportd is starting on http://localhost:8080 (these demo keys are valid for 24 h):" && \
	echo "  the help-centre demo with the chat widget: http://localhost:8080/demo" && \
	echo "  the agent console (sign in with the API key of the curl line below): http://localhost:8080/console" && \
	echo "  the widget key the demo embeds ($$pk) admits http://localhost:8080 and http://127.0.0.1:8080" && \
	echo "  ask the API: curl -s localhost:8080/v1/chat -H 'Authorization: Bearer $$key' -H 'Content-Type: application/json' -d '{\"kb\":\"demo\",\"question\":\"How do I get a refund on an annual plan?\"}'" && \
	echo && SUPPORTD_DEMO_KEY=$$pk exec $(BIN) serve

test: db redis chromium node replica ## provision PostgreSQL (and its streaming read replica), Redis, Chromium and Node.js, then run every test with the race detector (and internal/guard, whose corpus sweeps sample under -race, in full without it)
	@$(GO) test -count=1 ./internal/guard > $(CURDIR)/.guard-norace.log 2>&1 & guard=$$!; \
	$(GO) test -race -count=1 -timeout 30m ./...; rc=$$?; \
	wait $$guard; g=$$?; echo "without -race:"; cat $(CURDIR)/.guard-norace.log; rm -f $(CURDIR)/.guard-norace.log; \
	[ $$rc -eq 0 ] && [ $$g -eq 0 ]

build: ## build bin/supportd
	@$(GO) build -o $(BIN) ./cmd/supportd

db: ## install/start PostgreSQL with pgvector when needed (idempotent)
	@scripts/db.sh

replica: db ## create/start a streaming read replica of the local PostgreSQL on port 5433 with pg_basebackup (idempotent; the read-routing tests use it)
	@scripts/replica.sh

redis: ## install/start Redis when needed (idempotent; tests of the shared tier use it)
	@scripts/redis.sh

chromium: ## install Debian's chromium when missing (idempotent; the browser tests drive it)
	@scripts/chromium.sh

node: ## install Node.js and npm when missing, and npm ci the OpenAI SDK check's locked packages (idempotent)
	@scripts/node.sh

migrate: db build ## apply database migrations
	@$(BIN) migrate

GOLANGCI_VERSION := v2.15.0
GOLANGCI := $(CURDIR)/.bin/golangci-lint

lint: ## gofmt, go vet, go mod tidy -diff, golangci-lint (pinned, installed into .bin) and the import-layer test
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@$(GOLANGCI) version 2>/dev/null | grep -q 'version $(GOLANGCI_VERSION:v%=%) ' || \
		GOBIN=$(CURDIR)/.bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	$(GOLANGCI) run ./...
	$(GO) test -count=1 ./internal/layer

BENCH_OUT := $(CURDIR)/bench-out
# TABLE, when set, is the file each benchmark appends its rows of the one
# table to (make bench sets it).
table = $(if $(TABLE),--table $(TABLE))

bench: migrate ## every benchmark; prints ONE table (supportd, its bare baseline in the same run, the ratio, the machine and load); each full report goes to bench-out/NAME.md
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT)
	@for b in ingest retrieval quality gateway eval streams; do \
		echo "make bench: $$b (report in bench-out/$$b.md)" >&2; \
		$(MAKE) -s --no-print-directory bench-$$b TABLE=$(BENCH_OUT)/rows.jsonl > $(BENCH_OUT)/$$b.md || exit 1; \
	done
	@$(BIN) bench table --rows $(BENCH_OUT)/rows.jsonl

bench-ingest: migrate ## ingestion throughput with the built-in embedder (10k chunks)
	@$(BIN) bench ingest --chunks 10000 $(table)

bench-retrieval: migrate ## hybrid retrieval latency p50/p95 and HNSW recall@10 over 100k chunks
	@$(BIN) bench retrieval --chunks 100000 $(table)

bench-quality: migrate ## hit@1/hit@5/MRR on the S10 manual and developer-docs sets (vector, full text, hybrid), then end to end with hard negatives
	@$(BIN) bench quality --dataset ../shared/datasets/emanual-s10 --negatives internal/bench/testdata/negatives/emanual-s10.jsonl $(table)
	@$(BIN) bench quality --dataset ../shared/datasets/anthropic-docs --negatives internal/bench/testdata/negatives/anthropic-docs.jsonl $(table)

bench-gateway: migrate ## LLM path: what supportd adds beyond retrieval and model, cache-hit requests/s against a bare Echo handler, answers during a model outage
	@$(BIN) bench gateway $(table)

bench-eval: migrate ## evaluation throughput on the demo golden set
	@$(BIN) bench eval $(table)

bench-streams: migrate ## RSS, goroutines and heap of supportd serve holding 1,000 concurrent SSE streams, against a bare Echo SSE handler (each server its own process)
	@$(BIN) bench streams --n 1000 $(table)

SOAK_DURATION ?= 10m
soak: db build ## hold supportd serve and the fake LLM (processes) at half the measured capacity for SOAK_DURATION (default 10m; e.g. 60s) with 80% cache misses, 30% streamed, feedback and background ingestion; prints RSS, goroutines, heap, Postgres connections and p99 every 30 s, then PASS or FAIL
	@$(BIN) migrate >/dev/null
	@$(BIN) soak --duration $(SOAK_DURATION)

FUZZTIME ?= 10s
fuzz: ## run every fuzz target for FUZZTIME each (default 10s; CI uses 4s)
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

detector-model: ## retrain the prompt-injection model (internal/guard/detector_model.bin.gz) from internal/guard/testdata/train
	$(GO) run ./internal/guard/train

detector-report: ## cross-validated and held-out detection figures of the prompt-injection detector
	set -o pipefail; $(GO) test -count=1 -run 'TestDetectorReport|TestInjectionCorpus' -v ./internal/guard | grep -E '^\s+\S+_test.go:[0-9]+: |^(--- FAIL|FAIL|ok)' | sed -E 's/^\s+\S+_test.go:[0-9]+: //'

drift-report: ## the drift detector's false-alarm rates over all 200 stream pairs (make test, under -race, runs 50)
	set -o pipefail; $(GO) test -count=1 -run 'TestCompareFalseAlarmRate' -v ./internal/drift | grep -E 'false alarm rate|^(ok|FAIL|---)'

scenario: scenario-drift scenario-week ## both scenarios below, each checking its output

scenario-drift: ## the drift scenario: 500 normal then 500 shifted questions (about a minute)
	@scripts/drift-scenario.sh

scenario-week: ## the weekly loop: traffic, relabel, export, grow the golden set, scheduled eval/drift/digest (a minute or two)
	@scripts/weekly-scenario.sh

# The scale and fault runs use a Redis of their own: what they do to it
# (and leave in it) must not reach the tests sharing the default one.
SCALE_REDIS_URL ?= redis://127.0.0.1:6391/0

scale-test: db build ## three replicas sharing Postgres and Redis under round-robin load: global limits and budget, shared cache, jobs once per period, a SIGKILL losing no turn (under 3 minutes)
	@REDIS_URL=$(SCALE_REDIS_URL) scripts/redis.sh
	@$(BIN) scale-test --redis-url $(SCALE_REDIS_URL)

faults: db build ## under round-robin load over three replicas: model 500s then hanging, Postgres restarted, Redis stopped, a replica killed; accounts for every request after each (a throw-away Postgres on 5440 and Redis on 6392; about 2 minutes)
	@$(BIN) faults

clean: ## remove build output
	rm -rf bin
