#!/usr/bin/env bash
# Measures scanpay side by side in one run and prints the results table of
# docs/performance.md (Markdown on stdout, progress on stderr). Needs Go;
# memory and CPU figures need Linux. About three minutes.
#
#   bash bench/run.sh                      # defaults: 5s per bench run, 10s idle
#   bash bench/run.sh -duration 10s -idle 30s
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/perf "$@"
