#!/usr/bin/env bash
# Property-based API test from the specification: schemathesis sends requests generated from
# docs/openapi.yaml to a real national desk and a real operator screen (VR09), and fails on a
# server error, a status the document does not list for the operation, a content type it does
# not name, or an answer that does not match its schema.
#
# Starts a local network from $KNOOPPUNT_BIN (default .build/debug/knooppunt) in a temporary
# data folder: `knooppunt cluster` (node, the daemons of VR09, NCTV and the police, the desk)
# and `knooppunt screen --as VR09`; makes a desk officer of NATIONAL and an operator of VR09
# with `knooppunt users` and a personal API token each; publishes a few example reports so
# the answers carry real incidents, sitreps and threats; then runs schemathesis against the
# desk with the operations tagged `desk` as the desk officer, and against the screen with
# those tagged `screen` as the operator. Every process it started is stopped on the way out,
# whatever happens. Bounded (examples per operation, deterministic generation, one worker)
# so that it takes about two minutes on a busy two-core machine and cannot fail by chance.
#   KNOOPPUNT_API_TEST_KEEP=1  keeps the data folder and the logs (named at the end).
#   Arguments go to both schemathesis runs (e.g. --max-examples 50).
set -euo pipefail
cd "$(dirname "$0")/.."

# The version is pinned: a new release may generate other requests or check differently.
schemathesis_version="4.32.5"
# Test cases per operation in the fuzzing phase: with the examples and coverage phases enough
# to reach every documented status, few enough to stay near two minutes. Generation is
# deterministic (--generation-deterministic): the same requests on every run, no seed.
max_examples=10
# Seconds to wait for the network and the screen (generous: a busy two-core machine).
ready_timeout=150
# Seconds one request may take before schemathesis counts it as a failure (a desk write waits
# up to 3 s for the node, a login's bcrypt about a quarter of a second).
request_timeout=20

repository="$PWD"
venv="$repository/.build/python-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"

binary="${KNOOPPUNT_BIN:-$PWD/.build/debug/knooppunt}"
if [ ! -x "$binary" ]; then
  echo "api-test: no knooppunt binary at $binary (build first, or set KNOOPPUNT_BIN)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/knooppunt-api-test.XXXXXX")"
data="$work/data"
logs="$work/logs"
mkdir -p "$logs"
pids=()

stop_all() {
  local status=$?
  # Newest first: the screen, then the cluster (which stops the node, daemons and desk).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "api-test: process $pid did not stop within 30 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] || [ -n "${KNOOPPUNT_API_TEST_KEEP:-}" ]; then
    echo "api-test: data folder and logs kept in $work" >&2
    if [ "$status" -ne 0 ]; then
      for log in "$logs"/*.log; do
        [ -f "$log" ] || continue
        echo "--- last lines of $log" >&2
        tail -n 30 "$log" >&2
      done
    fi
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free ports on loopback: the node's base (it listens on base+2 and base+3), the desk, the screen.
read -r base desk_port screen_port < <("$venv/bin/python" - <<'EOF'
import random, socket
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
rng = random.Random()
while True:
    base = rng.randrange(20000, 40000, 10)
    ports = [base + i for i in range(4)] + [base + 6, base + 7]
    if all(free(p) for p in ports):
        print(base, base + 6, base + 7)
        break
EOF
)

wait_for() { # what, command...
  local what="$1"; shift
  local deadline=$((SECONDS + ready_timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "api-test: $what not within $ready_timeout s" >&2
      return 1
    fi
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "api-test: process $pid ended while waiting for $what" >&2
        return 1
      fi
    done
    sleep 0.5
  done
}
http_ok() { "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1"; }

echo "api-test: starting the network in $data (node base port $base, desk $desk_port, screen $screen_port)"
"$binary" cluster --dir "$data" --regions VR09 --no-standby --port "$base" --desk-port "$desk_port" \
  --ready-timeout "$ready_timeout" --log-level notice >"$logs/cluster.log" 2>&1 &
pids+=("$!")
# The cluster is ready once every daemon converged, the desk holds the picture and the duty
# accounts exist (it says "Ready in …" and then makes them).
wait_for "the network" grep -q "Ctrl-C stops the network" "$logs/cluster.log"

"$binary" screen --as VR09 --dir "$data" --port "$screen_port" --log-level notice >"$logs/screen.log" 2>&1 &
pids+=("$!")
wait_for "the operator screen" http_ok "http://127.0.0.1:$screen_port/readyz"

# The people the tool acts as, each with a personal API token.
users() { "$binary" users "$@" --dir "$data" >>"$logs/users.log" 2>&1; }
users add api-officer --as NATIONAL --role desk-officer --name "API test desk officer" --password-file "$work/officer.password"
users token api-officer --as NATIONAL --days 1 --file "$work/officer.token"
users add api-operator --as VR09 --role operator --name "API test operator" --password-file "$work/operator.password"
users token api-operator --as VR09 --days 1 --file "$work/operator.token"

# Something to show: the example incident and sitrep of VR09 (as exercise, as in docs/examples,
# and once more as real reports), NCTV's example threat level and its acknowledgement request.
publish() { # organisation, file
  "$binary" publish --dir "$data" --as "$1" --token-file "$data/$1/dienstdoende.token" "$2" \
    >>"$logs/publish.log" 2>&1
}
real="$work/real"
mkdir -p "$real"
for example in incident sitrep; do
  publish VR09 "docs/examples/$example.json"
  sed 's/"exercise": true/"exercise": false/' "docs/examples/$example.json" >"$real/$example.json"
  publish VR09 "$real/$example.json"
done
publish NCTV docs/examples/threat.json
publish NCTV docs/examples/ack-request.yaml
# Until the desk shows the real incident (the reports travel through the node).
incident_shown() {
  "$venv/bin/python" - "http://127.0.0.1:$desk_port/api/v1/incidents/VR09-20250611-01" "$(cat "$work/officer.token")" <<'EOF'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
urllib.request.urlopen(request, timeout=5)
EOF
}
wait_for "the example incident on the desk" incident_shown

# Every run with the same settings: deterministic generation (which keeps no
# example database), one worker. Logout is included: with a token it ends no session (docs/PEOPLE.md).
# Generated logins may lock the test accounts (E802, documented); that stops logins only, not
# the tokens the runs use.
run_schemathesis() { # name, url, tag, token file, extra arguments...
  local name="$1" url="$2" tag="$3" token="$4"; shift 4
  echo ""
  echo "api-test: schemathesis against the $name ($url), operations tagged $tag"
  # From the temporary folder: schemathesis keeps the failures it found in .schemathesis/ of
  # the working directory and replays them next time; each run starts without them.
  (cd "$work" && "$venv/bin/schemathesis" run "$repository/docs/openapi.yaml" \
    --url "$url" --include-tag "$tag" \
    --header "Authorization: Bearer $(cat "$token")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$max_examples" --generation-deterministic \
    --workers 1 --no-color \
    --request-timeout "$request_timeout" --max-failures 50 --continue-on-failure \
    --warnings off \
    "$@")
}
status=0
run_schemathesis desk "http://127.0.0.1:$desk_port" desk "$work/officer.token" "$@" || status=1
run_schemathesis "operator screen" "http://127.0.0.1:$screen_port" screen "$work/operator.token" "$@" || status=1
if [ "$status" -ne 0 ]; then
  echo "api-test: schemathesis found answers that docs/openapi.yaml does not describe" >&2
fi
exit "$status"
