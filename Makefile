# Tenure: local development and tests. See scripts/*.sh for what each step does.
#
#   make dev       the whole API on http://127.0.0.1:$${PORT:-3000} (foreground; Ctrl-C stops all)
#   make test      every test, against a throwaway local stack on free ports
#   make install   the pinned local tools (.venv, .venv-checks, node_modules, .local/tools); idempotent
#   make stack     only DynamoDB Local (:8000, on disk) and local S3 (:9000), in the background
#   make stop      stop what `make stack` (or a killed `make dev`) left running
#   make router    regenerate Cargo.toml's cargo-lambda watch router from the route table
#   make openapi   regenerate docs/openapi.json (what GET /openapi.json serves) from the routes and types
#   make lint      the static checks make test runs (scripts/checks.sh)
#   make package   release arm64 zips of every function (target/lambda), sizes into docs/performance.md
#   make bench     figures (round trips, login latency; per function cold start, warm p50/p99, memory, size) into docs/performance.md
#   make bench-sweep  the daily risk sweep at 100,000 leavers, into docs/performance.md
#   make bench-trigger  the upload trigger on a 10 MiB file (time, peak memory), into docs/performance.md
#   make bench-import  a bulk import of 10,000 employees (check and apply time, rows/s, DynamoDB requests, peak memory), into docs/performance.md
#   make bench-chain  audited writes a second one company's audit chain takes, by concurrent writers, into docs/performance.md
#   make bench-sla  the five-minute SLA check with 1,000 then 10,000 of 100,000 tickets due (requests, time) and the clock function, into docs/performance.md
#   make bench-overview  GET /overview for a company of 5 leavers and one of 1,000 leavers and 200 tickets, and a manager of 50 (DynamoDB calls, p50/p90, counter item size), into docs/performance.md
#   make bench-payroll  the payroll report of 500 people × 13 weeks of daily shifts beside a company of 5,000 (pages, requests, items read, time for a week, a month, 13 weeks), into docs/performance.md

SHELL := /bin/bash
.DEFAULT_GOAL := help
DEVSTACK := $(or $(CARGO_TARGET_DIR),target)/debug/devstack
VENV := $(or $(TENURE_VENV),.venv)

.PHONY: help install dev test stack stop status router openapi lint package bench bench-sweep bench-trigger bench-import bench-chain bench-sla bench-payroll bench-overview

help:
	@sed -n 's/^#   make /make /p' Makefile | sed 's/\$$\$$/$$/'

install:
	@scripts/install.sh

dev:
	@scripts/dev.sh

test:
	@scripts/test.sh

stack: install
	@cargo build --quiet -p devstack
	@$(DEVSTACK) keygen --out .local/jwt >/dev/null
	@scripts/stack.sh start dev
	@set -a; source .local/run/dev/stack.env; set +a; $(DEVSTACK) init

stop:
	@scripts/stack.sh stop dev

status:
	@scripts/stack.sh status dev

router:
	@cargo run --quiet -p devstack -- router --write Cargo.toml

openapi:
	@TENURE_WRITE_OPENAPI=1 cargo test --quiet -p tenure-tests --test api the_served_openapi_document_is_the_generated_one
	@echo "wrote docs/openapi.json"

lint:
	@scripts/checks.sh

package:
	@scripts/package.sh

bench:
	@scripts/bench.sh core

bench-sweep:
	@scripts/bench.sh sweep

bench-trigger:
	@scripts/trigger-bench.sh

bench-import:
	@scripts/import-bench.sh

bench-chain:
	@scripts/bench.sh chain

bench-overview:
	@scripts/bench.sh overview

bench-sla:
	@scripts/bench.sh sla

bench-payroll:
	@scripts/bench.sh payroll
