#!/usr/bin/env bash
# Fuzzes the KNP/1 decoders with libFuzzer and AddressSanitizer (Fuzz/DecoderFuzzer.swift):
# the JSON parser, the document reader (JSON and YAML) and codec, the envelope decoder, both
# message decoders and RFC 3339 timestamps.
#
#   scripts/fuzz.sh [SECONDS] [LIBFUZZER FLAGS...]       (default 60 seconds)
#
# Environment: FUZZ_CONFIGURATION=release|debug (default release), FUZZ_JOBS=N parallel
# workers (default 1). The corpus grows in .build-fuzz/corpus across runs; crashing inputs go
# to .build-fuzz/findings/ (replay one with: .build-fuzz/decoder-fuzzer FILE).
#
# How it is built (Swift 6.3 on Linux; found by trying, kept here so nobody has to again):
# 1. SwiftPM builds only the library target KnooppuntProtocol and its dependencies (StrictJSON,
#    KnooppuntDomain, FramePacking, Yams with libyaml, swift-crypto with BoringSSL) into
#    .build-fuzz, with coverage and ASan instrumentation: `-Xswiftc -sanitize=fuzzer` and
#    `-Xswiftc -sanitize=address` for Swift, `-Xcc -fsanitize=fuzzer-no-link,address` for C.
#    Library targets are not linked, so libFuzzer's main never meets another main.
# 2. swiftc compiles the harness with `-sanitize=fuzzer,address -parse-as-library` against the
#    modules in .build-fuzz/.../Modules and links it with every object file SwiftPM produced
#    there. Crypto's interface imports BoringSSL's C modules, so their module maps are passed
#    with -fmodule-map-file; BoringSSL has C++ sources (-lstdc++). lld avoids gold's
#    "cannot export local symbol" warnings for the ASan thunks.
# 3. The harness writes its seed corpus itself (examples, sealed reports, one message of each
#    command) when KNOOPPUNT_FUZZ_SEEDS is set, so no binary seeds live in git.
# A first build takes 5-15 minutes on two cores (BoringSSL under ASan); later runs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
configuration="${FUZZ_CONFIGURATION:-release}"
jobs="${FUZZ_JOBS:-1}"
scratch=.build-fuzz
triple="$(uname -m)-unknown-linux-gnu"
products="$scratch/$triple/$configuration"
binary="$scratch/decoder-fuzzer-$configuration"

echo "fuzz: building the decoders with coverage and ASan ($configuration) in $scratch" >&2
swift build --scratch-path "$scratch" -c "$configuration" --target KnooppuntProtocol \
  -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address \
  -Xcc -fsanitize=fuzzer-no-link -Xcc -fsanitize=address >&2

objects=()
while IFS= read -r object; do objects+=("$object"); done \
  < <(find "$products" -path "$products/*.build/*" -name '*.o' | sort)
modulemaps=()
for map in "$scratch"/checkouts/swift-crypto/Sources/CCryptoBoringSSL*/include/module.modulemap; do
  modulemaps+=(-Xcc "-fmodule-map-file=$map")
done
optimize=()
if [[ "$configuration" == release ]]; then optimize=(-O); fi

echo "fuzz: linking $binary from ${#objects[@]} object files" >&2
swiftc -sanitize=fuzzer,address -parse-as-library -g "${optimize[@]}" -use-ld=lld \
  -I "$products/Modules" "${modulemaps[@]}" \
  Fuzz/DecoderFuzzer.swift "${objects[@]}" -lstdc++ -o "$binary"
ln -sf "decoder-fuzzer-$configuration" "$scratch/decoder-fuzzer"

mkdir -p "$scratch/seeds" "$scratch/corpus" "$scratch/findings"
KNOOPPUNT_FUZZ_SEEDS="$scratch/seeds" KNOOPPUNT_FUZZ_EXAMPLES=docs/examples "$binary" >&2

echo "fuzz: running for $seconds s with $jobs worker(s)" >&2
# Leak checks are off: the Swift runtime keeps metadata caches alive until exit by design.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
parallel=()
if [[ "$jobs" -gt 1 ]]; then parallel=(-fork="$jobs" -ignore_crashes=0); fi
set +e
"$binary" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
  -dict=Fuzz/knp.dict -artifact_prefix="$scratch/findings/" -print_final_stats=1 \
  "${parallel[@]}" "$@" "$scratch/corpus" "$scratch/seeds" 2>&1 | tee "$scratch/last-run.log"
status=${PIPESTATUS[0]}
set -e
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/last-run.log" | tail -1 | grep -o '[0-9]*$' || true)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$scratch/last-run.log" | tail -1 | grep -o '[0-9]*$' || true)
echo "fuzz: ${runs:-?} executions in $seconds s (${rate:-?}/s); exit status $status" >&2
if [[ $status -ne 0 ]]; then
  echo "fuzz: a finding is in $scratch/findings/ (see $scratch/last-run.log)" >&2
fi
exit "$status"
