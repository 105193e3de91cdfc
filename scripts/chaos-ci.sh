#!/usr/bin/env bash
# Short chaos runs on fixed seeds (CI), or long runs on random seeds (KNOOPPUNT_LONG_TESTS=1).
# Each run attacks a real network (both nodes, 5 regions, NCTV, police, a watcher) under
# acknowledged load and checks every promise offline; any violation fails the script.
# A seed that once failed joins FIXED_SEEDS when fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${KNOOPPUNT_BIN:-.build/debug/knooppunt}"
FIXED_SEEDS=(1 20190318)
if [ "${KNOOPPUNT_LONG_TESTS:-0}" = "1" ]; then
  # About 100 kill cycles: ten minutes of faults on fresh random seeds.
  for _ in 1 2; do
    seed=$RANDOM$RANDOM
    echo "long chaos run, seed $seed"
    "$binary" chaos --duration 300s --seed "$seed"
  done
  exit 0
fi
first=1
for seed in "${FIXED_SEEDS[@]}"; do
  echo "chaos run, seed $seed"
  if [ $first = 1 ]; then
    # The first run also proves the checker: one ACKed entry removed from a copy must FAIL.
    "$binary" chaos --duration 40s --seed "$seed" --self-test
    first=0
  else
    "$binary" chaos --duration 40s --seed "$seed"
  fi
done
