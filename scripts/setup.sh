#!/usr/bin/env bash
# Installs what Knooppunt needs on a Debian or Ubuntu machine that has a Swift 6 toolchain.
# Usage: scripts/setup.sh [run|test]   (test also installs what the test suite uses)
set -euo pipefail

purpose="${1:-run}"

if ! command -v swift >/dev/null 2>&1; then
  echo "Knooppunt needs a Swift 6 toolchain, and 'swift' is not on PATH." >&2
  echo "Install one from https://www.swift.org/install/linux/ and run this again." >&2
  exit 1
fi
swift_major=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9]*\)\..*/\1/p' | head -n 1)
if [ -z "$swift_major" ] || [ "$swift_major" -lt 6 ]; then
  echo "Knooppunt needs Swift 6 or newer; 'swift --version' says: $(swift --version 2>&1 | head -n 1)" >&2
  exit 1
fi

# libzmq3-dev: ZeroMQ; libsqlite3-dev: GRDB links the system SQLite (sqlite3.h);
# libjemalloc-dev: the allocator the knooppunt binary links (Package.swift says why);
# libzstd-dev: Zstandard, which compresses the log entries the replicas keep in etcd;
# etcd-server: the consensus engine the replicated node commits through (etcd-client: etcdctl,
# for operators).
packages=(libzmq3-dev libsqlite3-dev libjemalloc-dev libzstd-dev pkg-config etcd-server etcd-client)
if [ "$purpose" = "test" ]; then
  # python3 + jsonschema: the schema agreement test; libxml2-utils: xmllint for CAP exports;
  # iproute2: separate hosts (network namespaces) in the multi-host test and chaos --partitions;
  # nodejs: `node --check` parses the web assets' scripts (scripts/lint-web.sh);
  # python3-venv: the venv of the Python client's conformance suite (scripts/conformance.sh).
  packages+=(python3 python3-jsonschema python3-venv libxml2-utils iproute2 nodejs)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Please install these packages with your system's package manager: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Installing ${missing[*]} needs root (or sudo)." >&2; exit 1; }
    sudo="sudo"
  fi
  echo "Installing ${missing[*]} …"
  # Debian's etcd-server starts its own etcd (ports 2379/2380, data in /var/lib/etcd) when it
  # is installed; Knooppunt runs its own members on its own ports and folders. A policy-rc.d
  # that refuses every service start keeps Debian's from starting during the install.
  policy=/usr/sbin/policy-rc.d
  guard_services=""
  if [[ " ${missing[*]} " == *" etcd-server "* ]] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    guard_services=yes
  fi
  # Wait for another apt run instead of failing on its lock.
  $sudo apt-get update -o DPkg::Lock::Timeout=300 -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" || { [ -n "$guard_services" ] && $sudo rm -f "$policy"; exit 1; }
  if [ -n "$guard_services" ]; then $sudo rm -f "$policy"; fi
fi

if [ "$purpose" = "test" ]; then
  # The browser tests drive Debian's headless Chromium over WebDriver.
  "$(dirname "$0")/browser-deps.sh"
fi
