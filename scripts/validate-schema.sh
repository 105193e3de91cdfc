#!/usr/bin/env bash
# Validates JSON report documents against docs/schema/report.schema.json with a standard JSON
# Schema validator (Python's jsonschema, draft 2020-12), independently of our own codec.
#
#   scripts/validate-schema.sh [--schema FILE] PATH...
#
# PATH is a .json file or a folder (its *.json files, sorted by name). YAML files are listed as
# skipped: the schema describes the data, and `knooppunt validate` reads YAML itself.
# Prints one JSON object per file on stdout:
#   {"file": "docs/examples/incident.json", "valid": true, "errors": []}
# A file that is not JSON (bad syntax, duplicate keys, NaN) is reported invalid.
#
# Exit status: 0 all valid, 1 some invalid, 2 usage or unreadable input, 3 no usable python3 or
# jsonschema. Installs jsonschema when missing: pip first, then Debian's python3-jsonschema.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
schema="$root/docs/schema/report.schema.json"
if [[ "${1:-}" == "--schema" ]]; then
  schema="${2:?--schema needs a file}"
  shift 2
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--schema FILE] PATH..." >&2
  exit 2
fi

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "validate-schema: $python is required (Debian: apt-get install python3)" >&2
  exit 3
fi

has_jsonschema() {
  "$1" -c 'import jsonschema, sys; sys.exit(0 if hasattr(jsonschema, "Draft202012Validator") else 1)' \
    >/dev/null 2>&1
}

install_jsonschema() {
  echo "validate-schema: installing jsonschema" >&2
  if "$python" -m pip --version >/dev/null 2>&1 \
    && "$python" -m pip install --quiet jsonschema >&2 && has_jsonschema "$python"; then
    return 0
  fi
  # A fresh Debian has no pip (or refuses it outside a venv): use the distribution's package.
  if command -v apt-get >/dev/null 2>&1; then
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then sudo=(sudo -n); fi
    if "${sudo[@]}" apt-get update -o DPkg::Lock::Timeout=300 >&2 \
      && "${sudo[@]}" apt-get install -y -o DPkg::Lock::Timeout=300 python3-jsonschema >&2; then
      if has_jsonschema "$python"; then return 0; fi
      # apt installs for the system interpreter, which may not be the python3 on PATH.
      if has_jsonschema /usr/bin/python3; then
        python=/usr/bin/python3
        return 0
      fi
    fi
  fi
  return 1
}

if ! has_jsonschema "$python" && ! install_jsonschema; then
  echo "validate-schema: could not install the Python package jsonschema (>= 4, draft 2020-12)." >&2
  echo "  Try: $python -m pip install jsonschema   or   apt-get install python3-jsonschema" >&2
  exit 3
fi

exec "$python" - "$schema" "$@" <<'PY'
import json
import pathlib
import sys

import jsonschema

schema_path, paths = pathlib.Path(sys.argv[1]), sys.argv[2:]
try:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
except Exception as error:  # noqa: BLE001 - any failure here means an unusable schema
    print(f"validate-schema: {schema_path}: {error}", file=sys.stderr)
    sys.exit(2)
validator = jsonschema.Draft202012Validator(schema)


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def no_constants(name):
    raise ValueError(f"{name} is not JSON")


def files():
    for arg in paths:
        path = pathlib.Path(arg)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
        elif path.is_file():
            yield path
        else:
            print(f"validate-schema: no such file or folder: {arg}", file=sys.stderr)
            sys.exit(2)


status = 0
for path in files():
    result = {"file": str(path)}
    if path.suffix != ".json":
        result["skipped"] = "not JSON; knooppunt validate reads YAML"
        print(json.dumps(result), flush=True)
        continue
    try:
        document = json.loads(
            path.read_bytes().decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants
        )
    except (ValueError, UnicodeDecodeError) as error:
        result.update(valid=False, errors=[f"not JSON: {error}"])
    else:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        result.update(
            valid=not errors,
            errors=[f"{e.json_path}: {e.message[:300]}" for e in errors],
        )
    if not result["valid"]:
        status = 1
    print(json.dumps(result, ensure_ascii=False), flush=True)
sys.exit(status)
PY
