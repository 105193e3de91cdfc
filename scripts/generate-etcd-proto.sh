#!/usr/bin/env bash
# Makes Sources/KnooppuntEtcd/Generated/etcd.pb.swift from proto/etcd.proto (the part of
# etcd's v3 API the node calls). Only needed after a change to the .proto file: the generated
# Swift is committed, so neither a build nor CI runs protoc.
#
# Needs protoc (Debian: protobuf-compiler, installed here if missing) and protoc-gen-swift of
# the swift-protobuf version Package.swift names, built from the package's own checkout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if ! command -v protoc >/dev/null; then
    apt-get update -o DPkg::Lock::Timeout=300 -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 protobuf-compiler
fi
swift package resolve >/dev/null
checkout="$(find .build/checkouts -maxdepth 1 -name 'swift-protobuf' | head -1)"
[ -n "$checkout" ] || { echo "swift-protobuf is not among the resolved packages" >&2; exit 1; }
scratch="$root/.build-protoc"
swift build -c release --package-path "$checkout" --scratch-path "$scratch" --product protoc-gen-swift
protoc --plugin="protoc-gen-swift=$scratch/release/protoc-gen-swift" \
    --swift_out=Sources/KnooppuntEtcd/Generated --swift_opt=Visibility=Internal \
    --proto_path=proto proto/etcd.proto
echo "wrote Sources/KnooppuntEtcd/Generated/etcd.pb.swift"
