# campusbiz — developer tasks. Run `make` (or `make help`) for the list.
#
# Needs GNU make, bash and Go (found on PATH or at /usr/local/go/bin).
# Targets that talk to PostgreSQL/Redis first run scripts/services.sh, which
# installs/starts them locally when needed (Debian/Ubuntu).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Go toolchain: prefer /usr/local/go/bin, and add $(go env GOPATH)/bin for
# tools installed with `go install`. ($(shell) does not see exported
# variables in make < 4.4, so PATH is passed explicitly.)
GO_ROOT_BIN ?= /usr/local/go/bin
export PATH := $(GO_ROOT_BIN):$(PATH)
GOPATH_DIR := $(shell PATH='$(PATH)' go env GOPATH 2>/dev/null)
ifneq ($(GOPATH_DIR),)
export PATH := $(PATH):$(GOPATH_DIR)/bin
endif

# go.mod's toolchain line names the Go release the project is built and
# tested with (a patch release with the standard library's security fixes);
# auto lets an older local go fetch it once from the module proxy.
export GOTOOLCHAIN ?= auto

GO               ?= go
BIN              ?= bin/campusbiz
PKG              ?= ./...
FUZZTIME         ?= 60s
TEST_TIMEOUT     ?= 20m
STATICCHECK      ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
SERVICES_FLAGS   ?=
CHAOS_DURATION   ?= 5m
# make chaos runs on a Redis Sentinel set (primary kills and whole-set restarts among the faults); single: one Redis
CHAOS_REDIS      ?= sentinel

.PHONY: help build services services-browser dev test test-short vet fmt lint \
	fuzz bench compose-check migrate seed clean chaos failover

help: ## List the targets
	@echo "Usage: make <target> [VAR=value]"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: FUZZTIME=$(FUZZTIME) PKG=$(PKG) TEST_TIMEOUT=$(TEST_TIMEOUT) SERVICES_FLAGS=$(SERVICES_FLAGS) CHAOS_DURATION=$(CHAOS_DURATION) CHAOS_REDIS=$(CHAOS_REDIS)"

build: ## Build bin/campusbiz
	$(GO) build -o $(BIN) ./cmd/campusbiz

services: ## Ensure local PostgreSQL + Redis run (and test tools are installed)
	bash scripts/services.sh $(SERVICES_FLAGS)

services-browser: ## Like services, plus Chromium for the browser tests
	bash scripts/services.sh --browser

dev: services ## Run migrate + seed + serve + worker in one process
	$(GO) run ./cmd/campusbiz dev

test: services-browser ## go vet, then all tests with -race (needs PostgreSQL + Redis + Chromium)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

test-short: services ## Tests without -race (go test -short; the chaos and kill tests still run)
	$(GO) test -short -count=1 -timeout 5m $(PKG)

vet: ## go vet
	$(GO) vet ./...

# Go files to format/check: everything except testdata, vendor and outputs.
GOFILES_CMD = find . \( -name .git -o -name vendor -o -name testdata -o -name bin -o -name node_modules \) -prune -o -name '*.go' -print

fmt: ## Rewrite Go files with gofmt
	@files=$$($(GOFILES_CMD)); \
	if [ -n "$$files" ]; then gofmt -w $$files; fi

lint: ## gofmt check, go vet, staticcheck, govulncheck
	@files=$$($(GOFILES_CMD)); \
	unformatted=$$(if [ -n "$$files" ]; then gofmt -l $$files; fi); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run 'make fmt'):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	bash scripts/vulncheck.sh

fuzz: services ## Run every Fuzz target for FUZZTIME each (default 60s)
	@pkgs=$$($(GO) list $(PKG)); \
	found=0; \
	for pkg in $$pkgs; do \
		out=$$($(GO) test -list '^Fuzz' "$$pkg"); \
		targets=$$(printf '%s\n' "$$out" | grep -E '^Fuzz[A-Za-z0-9_]*$$' || true); \
		for t in $$targets; do \
			found=$$((found + 1)); \
			echo "==> $$pkg $$t (fuzztime $(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz='^'"$$t"'$$' -fuzztime=$(FUZZTIME) "$$pkg"; \
		done; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "fuzz: no Fuzz targets found in $(PKG)"; \
	else echo "fuzz: $$found target(s) passed"; fi

chaos: services ## Faults under load for CHAOS_DURATION (default 5m) on a Redis Sentinel set (CHAOS_REDIS=single: one Redis), then invariants and the chaos table
	CHAOS_DURATION=$(CHAOS_DURATION) CHAOS_REDIS=$(CHAOS_REDIS) $(GO) test -count=1 -v -run '^TestChaos$$' -timeout 60m ./internal/chaos/ \
		| grep --line-buffered -v 'level=DEBUG'

failover: services ## Kill Redis Sentinel/Cluster and Postgres primaries under load (internal/hatest); prints the figures
	$(GO) test -count=1 -v -run 'Failover' ./internal/hatest/ | grep -E 'FIGURES|^(---|ok|FAIL)'

bench: services ## Run benchmarks (no tests)
	$(GO) test -run='^$$' -bench=. -benchmem $(PKG)

compose-check: ## Validate docker-compose.yml, with and without the sentinel profile
	@if command -v docker-compose >/dev/null 2>&1; then dc=docker-compose; else dc="docker compose"; fi; \
	$$dc config -q && \
	REDIS_MODE=sentinel REDIS_URL='redis://sentinel-1:26379/0?master_name=campusbiz&addr=sentinel-2:26379' \
		$$dc --profile sentinel config -q

migrate: services ## Create the database if missing and apply migrations
	$(GO) run ./cmd/campusbiz migrate

seed: services ## Seed colleges, courses, fund programme and first admin (idempotent)
	$(GO) run ./cmd/campusbiz seed

clean: ## Remove build and test outputs (keeps .dev/)
	rm -rf bin/ coverage.out coverage.html cover.out
	find . -name '*.test' -type f -not -path './.git/*' -delete
