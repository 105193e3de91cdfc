#!/usr/bin/env bash
# The main job: installs what is needed, builds Knooppunt and runs the whole national network
# locally (etcd's three members, the national node's three replicas, 25 safety regions, NCTV,
# the police and the national desk; setup.sh installs etcd-server).
# Arguments go to `knooppunt cluster`, e.g. scripts/run.sh --regions VR09,VR13 --dir /tmp/kp
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
if [ -n "${KNOOPPUNT_BIN:-}" ]; then
  # Tests of this script pass an already built binary instead of building again.
  binary="$KNOOPPUNT_BIN"
else
  echo "Building Knooppunt (release; the first build takes a few minutes) …"
  swift build -c release --product knooppunt
  binary=".build/release/knooppunt"
fi
exec "$binary" cluster "$@"
