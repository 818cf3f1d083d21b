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
resident=$address; resident_pid=${pids[-1]}
start raw tests/Benchmarks/RawKestrel bin/Release/net10.0/RawKestrel.dll --urls http://127.0.0.1:0
raw=$address; raw_pid=${pids[-1]}

# One wrk run: prints "requests/s server-CPU-microseconds-per-request". CPU per request (user + system time of the
# server process, from /proc) is steadier than throughput on a shared two-core machine.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
rps() {
  local before after out
  before=$(cpu_ticks "$3")
  out=$(wrk -t"$threads" -c"$connections" -d"$1"s "$2$route")
  after=$(cpu_ticks "$3")
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$ticks_per_second" \
    '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 } END { printf "%s %.2f\n", r, ticks * 1000000 / hz / n }'
}

# Tiered JIT and dynamic PGO need a while on two cores before the code is steady.
echo "warming up ..."
rps 10 "$resident" "$resident_pid" >/dev/null
rps 10 "$raw" "$raw_pid" >/dev/null

printf '%-6s %12s %12s %8s %14s %14s %8s\n' round resident raw ratio "resident us/req" "raw us/req" "cpu ratio"
resident_runs=(); raw_runs=(); ratios=(); cpu_ratios=()
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so drift (thermal, noisy neighbours) hits both alike.
  if (( round % 2 )); then read -r r rc < <(rps "$seconds" "$resident" "$resident_pid"); read -r k kc < <(rps "$seconds" "$raw" "$raw_pid")
  else read -r k kc < <(rps "$seconds" "$raw" "$raw_pid"); read -r r rc < <(rps "$seconds" "$resident" "$resident_pid"); fi
  ratio=$(echo "$r / $k" | bc -l); cpu_ratio=$(echo "$rc / $kc" | bc -l)
  resident_runs+=("$r"); raw_runs+=("$k"); ratios+=("$ratio"); cpu_ratios+=("$cpu_ratio")
  printf '%-6s %12s %12s %8.3f %14s %14s %8.3f\n' "$round" "$r" "$k" "$ratio" "$rc" "$kc" "$cpu_ratio"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The headline is the median of the paired (same-round) ratios: robust to the machine's drift between rounds.
printf 'median %12.0f %12.0f %8.3f %14s %14s %8.3f\n' \
  "$(median "${resident_runs[@]}")" "$(median "${raw_runs[@]}")" "$(median "${ratios[@]}")" "" "" "$(median "${cpu_ratios[@]}")"
echo "requests/s ratio resident/raw (higher is better) and CPU-per-request ratio (lower is better);" \
  "wrk -t$threads -c$connections -d${seconds}s $route, $rounds rounds"
