#!/usr/bin/env bash
# Syntax-checks the web assets in Sources/KnooppuntWeb/Resources (scripts/setup.sh test
# installs both tools):
# - every script with Node's parser (`node --check`, Debian's nodejs);
# - every page with libxml2's HTML parser (`xmllint --html`, libxml2-utils), which catches
#   stray or misplaced end tags. It knows HTML 4 only, so its "Tag main invalid" complaints
#   about HTML5 elements are ignored.
# Style sheets are not checked: Debian packages no CSS linter.
set -euo pipefail
cd "$(dirname "$0")/.."

node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
  echo "lint-web: node is needed (Debian: apt-get install nodejs; or scripts/setup.sh test)" >&2
  exit 1
fi

failed=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! "$node" --check "$file"; then
    echo "lint-web: $file does not parse" >&2
    failed=1
  fi
done < <(find Sources/KnooppuntWeb/Resources -name '*.js' -print0 | sort -z)

pages=0
while IFS= read -r -d '' file; do
  pages=$((pages + 1))
  problems=$(xmllint --html --noout "$file" 2>&1 | grep -E '^[^ ]+:[0-9]+: ' | grep -vE 'Tag [a-z0-9]+ invalid' || true)
  if [ -n "$problems" ]; then
    echo "$problems" >&2
    echo "lint-web: $file has HTML errors" >&2
    failed=1
  fi
done < <(find Sources/KnooppuntWeb/Resources -name '*.html' -print0 | sort -z)

if [ "$count" -eq 0 ] || [ "$pages" -eq 0 ]; then
  echo "lint-web: no scripts or pages found in Sources/KnooppuntWeb/Resources" >&2
  exit 1
fi
[ "$failed" -eq 0 ] && echo "lint-web: $count scripts and $pages pages parse"
exit "$failed"
