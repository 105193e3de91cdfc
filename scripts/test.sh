#!/usr/bin/env bash
# Installs what is needed and runs every check: format lint, build, unit tests, real-process
# tests (serialized), the Python client's conformance suite, short chaos runs, the screens in
# a real headless browser, and the benchmark's smoke run. Prints the time each stage took.
#   KNOOPPUNT_LONG_TESTS=1  also runs the long variants (mutation runs, long chaos).
#   KNOOPPUNT_TIME_SCALE=N  multiplies every deadline of the real-process tests (slow machines).
set -euo pipefail
cd "$(dirname "$0")/.."

stage_names=()
stage_times=()
run_stage() {
  local name="$1"; shift
  local start=$SECONDS
  echo ""
  echo "=== $name ==="
  "$@"
  local took=$((SECONDS - start))
  stage_names+=("$name"); stage_times+=("$took")
  echo "=== $name: ${took}s ==="
}
report() {
  echo ""
  echo "Stage times:"
  for i in "${!stage_names[@]}"; do printf '  %-22s %4ss\n' "${stage_names[$i]}" "${stage_times[$i]}"; done
}
trap report EXIT

run_stage "setup" scripts/setup.sh test
run_stage "lint (swift format)" swift format lint --strict --recursive Sources Tests Plugins Package.swift
run_stage "lint (web assets)" scripts/lint-web.sh
# The import check fails the build on an import of a module the target does not declare.
run_stage "build" swift build --build-tests --explicit-target-dependency-import-check error
export KNOOPPUNT_BIN="$PWD/.build/debug/knooppunt"
run_stage "unit tests" swift test --skip-build --skip KnooppuntSystemTests --skip KnooppuntBrowserTests
run_stage "real-process tests" swift test --skip-build --no-parallel --filter KnooppuntSystemTests
run_stage "conformance (python)" scripts/conformance.sh
run_stage "API (schemathesis)" scripts/api-test.sh
run_stage "browser tests" swift test --skip-build --no-parallel --filter KnooppuntBrowserTests
run_stage "chaos (fixed seeds)" scripts/chaos-ci.sh
run_stage "benchmark smoke" "$KNOOPPUNT_BIN" bench --smoke --dir "$(mktemp -d)/bench"
run_stage "benchmark smoke (parties)" "$KNOOPPUNT_BIN" bench parties --parties 20 --rate 50 --seconds 3 --dir "$(mktemp -d)/parties"
