#!/usr/bin/env bash
# Runs the KNP/1 conformance suite: the Python reference client (clients/python) against real
# national nodes that the suite starts from $KNOOPPUNT_BIN (default .build/debug/knooppunt).
# Makes a venv in .build/python-venv (with the system's packages visible), installs the client
# with pyzmq, cryptography and pytest into it, and runs pytest. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/python-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "./clients/python[test]"

export KNOOPPUNT_BIN="${KNOOPPUNT_BIN:-$PWD/.build/debug/knooppunt}"
# From the repository root, so the tests import the installed package, not the source folder.
status=0
"$venv/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "conformance: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
