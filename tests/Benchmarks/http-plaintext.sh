#!/usr/bin/env bash
# Requests/s of the Showcase /plaintext (Resident: cleaner, request hooks, Server header in place) against a raw
# Kestrel minimal API, measured alternately with the same wrk settings, in one run. Prints each round and the
# ratio of the medians. Needs wrk (apt-get install -y wrk).
#   tests/Benchmarks/http-plaintext.sh [rounds] [seconds]       env: WRK_THREADS (1), WRK_CONNECTIONS (64), ROUTE (/plaintext)
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${1:-5}
seconds=${2:-10}
threads=${WRK_THREADS:-1}
connections=${WRK_CONNECTIONS:-64}
route=${ROUTE:-/plaintext}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build -c Release samples/Showcase/Showcase.csproj -v q -nologo >/dev/null
dotnet build -c Release tests/Benchmarks/RawKestrel/RawKestrel.csproj -v q -nologo >/dev/null

logs=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$logs"; }
trap cleanup EXIT

# start NAME DIR DLL ARGS...: runs the server on a port the OS chooses; its address lands in $address.
# (Not called inside $(...), so the pid reaches the cleanup trap.)
start() {
  local name=$1 dir=$2 dll=$3; shift 3
  (cd "$dir" && exec dotnet "$dll" "$@" >"$logs/$name.log" 2>&1) &
  pids+=($!)
  address=""
  for _ in $(seq 1 300); do
    address=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$logs/$name.log" 2>/dev/null | head -1 | sed 's/Now listening on: //') || true
    if [ -n "$address" ]; then return; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$logs/$name.log" >&2; exit 1
}

# Extra Showcase arguments (e.g. RESIDENT_ARGS="--Resident:HandleStatic=false") isolate one feature's cost.
# shellcheck disable=SC2086
start resident samples/Showcase bin/Release/net10.0/Showcase.dll --Resident:ListenPort=0 ${RESIDENT_ARGS:-}
resident=$address
start raw tests/Benchmarks/RawKestrel bin/Release/net10.0/RawKestrel.dll --urls http://127.0.0.1:0
raw=$address

rps() { wrk -t"$threads" -c"$connections" -d"$1"s "$2$route" | awk '/Requests\/sec/ { print $2 }'; }

# Tiered JIT and dynamic PGO need a while on two cores before the code is steady.
echo "warming up ..."
rps 10 "$resident" >/dev/null
rps 10 "$raw" >/dev/null

printf '%-6s %14s %14s %8s\n' round resident raw ratio
resident_runs=(); raw_runs=(); ratios=()
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so drift (thermal, noisy neighbours) hits both alike.
  if (( round % 2 )); then r=$(rps "$seconds" "$resident"); k=$(rps "$seconds" "$raw")
  else k=$(rps "$seconds" "$raw"); r=$(rps "$seconds" "$resident"); fi
  ratio=$(echo "$r / $k" | bc -l)
  resident_runs+=("$r"); raw_runs+=("$k"); ratios+=("$ratio")
  printf '%-6s %14s %14s %8.3f\n' "$round" "$r" "$k" "$ratio"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The headline is the median of the paired (same-round) ratios: robust to the machine's drift between rounds.
printf 'median %14.0f %14.0f %8.3f   (median of paired ratios; wrk -t%s -c%s -d%ss %s)\n' \
  "$(median "${resident_runs[@]}")" "$(median "${raw_runs[@]}")" "$(median "${ratios[@]}")" "$threads" "$connections" "$seconds" "$route"
