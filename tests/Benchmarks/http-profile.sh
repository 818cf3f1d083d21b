#!/usr/bin/env bash
# What each Resident feature costs per /plaintext request, from CPU profiles instead of feature-off runs: the Showcase
# as it ships and raw Kestrel each serve `wrk -t1 -c64` while `perf record -g` samples the server; every sample is
# charged to the innermost feature frame on its stack (below), and a feature's cost is its share of the samples times
# the server's CPU per request. One run gives the whole table: unlike http-plaintext.sh's variants, no figure is the
# difference of two noisy runs (a fresh process's fast or slow mode moves a whole run by ±10% on this kind of VM;
# the shares within one profile move far less).
# Needs perf (apt-get install -y linux-perf), wrk and taskset; reuses http-plaintext.sh's builds (it builds them first
# unless BUILD=0).
#
#   tests/Benchmarks/http-profile.sh [aot|jit] [rounds] [seconds]
#     aot (default)  the NativeAOT builds (symbols from the binaries); jit: framework-dependent builds with
#                    DOTNET_PerfMapEnabled=1 (perf reads the JIT's symbol map) and W^X off, warmed WARMUP (40) seconds
#                    (ReadyToRun code that tiering has not replaced stays unnamed and counts as app and Kestrel).
#     rounds (3): fresh raw and shipped processes per round, alternating which goes first; the table sums the rounds.
#     seconds (6): how long perf samples each server (wrk runs 2 s longer, around it).
#   env: ARTIFACTS, SERVER_CPU (1), WRK_CPU (0), WARMUP (aot: 2, jit: 40), BUILD (1), ROUTE (/plaintext),
#        KEEP (a directory to keep the perf data and the per-sample attribution in).
#
# The features, each the frames that are its own (the first pattern that matches a frame names it; a sample goes to
# the frame nearest its leaf that any pattern matches, so the app and Kestrel under a feature's frame are not charged
# to it unless the feature called them):
#   app and Kestrel     routing, the endpoint, Kestrel's request loop and hosting: what raw Kestrel also runs
#   forwarded headers   ForwardedHeadersMapper (the trusted-peer check and the header lookups)
#   request metrics     HttpRequestMetrics (timestamps, series, histogram)
#   RequestReceived hooks  the hooks' dispatch and the app's hook code
#   OnStarting: ResponseGenerated hooks, Server header   Resident's OnStarting callback and the app's hook code
#   OnStarting/OnCompleted in Kestrel   Kestrel running the callbacks Resident registered (raw registers none)
#   cleaners            the cleaners' dispatch and the app's cleaner code
#   branch checks       the WebSocket-upgrade test and the static-file index lookup
#   Resident middleware the request count, the drain check, the scrape/probe path test, the callback registrations
# Under JIT, tiered compilation inlines small callees (the branch checks, a hook's dispatch) into Resident's middleware,
# so their cost shows in that row. Frame-pointer unwinding can skip the caller of a frameless function, which moves a
# few samples to the next feature frame up the stack: read single figures to about ±0.05 us.
# The last row, app and Kestrel, is the same code in both servers: its difference is what is not in any feature's
# frames (code and cache effects spread over the whole request, and the run-to-run noise of a fresh process).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=aot
if [[ "${1:-}" == jit || "${1:-}" == aot ]]; then mode=$1; shift; fi
rounds=${1:-3}
seconds=${2:-6}
route=${ROUTE:-/plaintext}
server_cpu=${SERVER_CPU:-1}
wrk_cpu=${WRK_CPU:-0}
artifacts=${ARTIFACTS:-$PWD/tests/Benchmarks/bin/http-plaintext}
for tool in perf wrk taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y linux-perf wrk util-linux" >&2; exit 2; }
done
if [[ "${BUILD:-1}" != 0 ]]; then
  ARTIFACTS="$artifacts" VARIANTS=none tests/Benchmarks/http-plaintext.sh "$mode" 0
fi

if [[ -n "${KEEP:-}" ]]; then mkdir -p "$KEEP"; work=$KEEP; else work=$(mktemp -d); fi
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; [[ -z "${KEEP:-}" ]] && rm -rf "$work"; return 0; }
trap cleanup EXIT

# start NAME: the server pinned to its core on a port the OS chooses; sets $pid and $address.
start() {
  local dir="$artifacts/$mode/$1" command args
  if [[ $1 == raw ]]; then
    command=("$dir/RawKestrel"); [[ $mode == jit ]] && command=(dotnet "$dir/RawKestrel.dll")
    args=(--urls http://127.0.0.1:0)
  else
    command=("$dir/Showcase"); [[ $mode == jit ]] && command=(dotnet "$dir/Showcase.dll")
    args=(--Resident:ListenPort=0 --Resident:Sockets:tcp-echo:Port=0 --Resident:Sockets:udp-echo:Port=0)
  fi
  # JIT: the runtime writes /tmp/perf-PID.map for perf; its code must not be double-mapped (W^X) to be found there.
  local perf_map=()
  [[ $mode == jit ]] && perf_map=(env DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
  (cd "$dir" && exec "${perf_map[@]}" taskset -c "$server_cpu" "${command[@]}" "${args[@]}" >"$work/$1.log" 2>&1) &
  pid=$!
  address=""
  for _ in $(seq 1 300); do
    address=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$work/$1.log" 2>/dev/null | head -1 | sed 's/Now listening on: //') || true
    [[ -n "$address" ]] && return
    sleep 0.1
  done
  echo "$1 did not start:" >&2; cat "$work/$1.log" >&2; exit 1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# profile NAME ROUND: one fresh server, warmed, then wrk for seconds+2 with perf sampling the middle; appends
# "NAME cpu-us-per-request" to $work/cpu and the attributed samples ("NAME feature") to $work/samples.
profile() {
  local name=$1 round=$2 before after requests warmup=${WARMUP:-2}
  [[ $mode == jit ]] && warmup=${WARMUP:-40}
  start "$name"
  taskset -c "$wrk_cpu" wrk -t1 -c64 -d"${warmup}"s "$address$route" >/dev/null
  before=$(cpu_ticks "$pid")
  taskset -c "$wrk_cpu" wrk -t1 -c64 -d"$((seconds + 2))"s "$address$route" >"$work/$name-$round.wrk" &
  local load=$!
  sleep 1
  perf record -q -F 2000 -g -p "$pid" -o "$work/$name-$round.data" -- sleep "$seconds" >/dev/null 2>&1
  wait "$load"
  after=$(cpu_ticks "$pid")
  requests=$(awk '/requests in/ { print $1 }' "$work/$name-$round.wrk")
  echo "$name $(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $requests" | bc -l)" >>"$work/cpu"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
  perf script -i "$work/$name-$round.data" 2>/dev/null | attribute "$name" >>"$work/samples"
}

# attribute NAME: one line "NAME feature" per sample of perf script's output (blocks of frames, leaf first).
attribute() {
  awk -v name="$1" '
    BEGIN { RS = ""; FS = "\n"
      n = split("ForwardedHeadersMapper=>forwarded headers;HttpRequestMetrics=>request metrics;" \
        "RequestReceivedCall=>RequestReceived hooks;ResidentRequestMiddleware(__|::)OnStarting|ResponseGeneratedCall=>OnStarting: ResponseGenerated hooks, Server header;" \
        "CleanerCall|RunCleanersAsync=>cleaners;FireOnStarting|FireOnCompleted=>OnStarting/OnCompleted in Kestrel;" \
        "RequestBranches|StaticFileIndex=>branch checks;ResidentEndpoints|ResidentRequestMiddleware=>Resident middleware;" \
        "EndpointRoutingMiddleware|EndpointMiddleware|RequestDelegateFactory|HostingApplication|ProcessRequests=>app and Kestrel", rules, ";")
      for (i = 1; i <= n; i++) { split(rules[i], part, "=>"); pattern[i] = part[1]; label[i] = part[2] }
    }
    {
      feature = "app and Kestrel"
      for (f = 2; f <= NF; f++) {
        frame = $f
        for (i = 1; i <= n; i++) if (frame ~ pattern[i]) { feature = label[i]; break }
        if (i <= n) break
      }
      print name, feature
    }'
}

: >"$work/cpu"; : >"$work/samples"
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order="raw shipped"; else order="shipped raw"; fi
  for name in $order; do echo "round $round: $name ..." >&2; profile "$name" "$round"; done
done

awk -v rounds="$rounds" -v mode="$mode" '
  FILENAME ~ /cpu$/ { cpu[$1] += $2; next }
  { name = $1; $1 = ""; feature = substr($0, 2); count[name, feature]++; total[name]++; features[feature] = 1 }
  END {
    for (s in cpu) cpu[s] /= rounds
    printf "%s, %d rounds: server CPU per request, raw Kestrel %.2f us, Showcase as shipped %.2f us (%+.2f us, x%.3f)\n\n", mode, rounds, cpu["raw"], cpu["shipped"], cpu["shipped"] - cpu["raw"], cpu["shipped"] / cpu["raw"]
    printf "%-52s %12s %12s %12s\n", "feature (frames of its own)", "shipped us", "raw us", "cost us"
    attributed = 0
    for (f in features) {
      shipped = count["shipped", f] / total["shipped"] * cpu["shipped"]; raw = count["raw", f] / total["raw"] * cpu["raw"]
      if (f == "app and Kestrel") { app_shipped = shipped; app_raw = raw; continue }
      printf "%-52s %12.3f %12.3f %12.3f\n", f, shipped, raw, shipped - raw
      attributed += shipped - raw
    }
    printf "%-52s %12s %12s %12.3f\n", "all features", "", "", attributed
    printf "%-52s %12.3f %12.3f %12.3f\n", "app and Kestrel, and what is spread over them", app_shipped, app_raw, app_shipped - app_raw
  }' "$work/cpu" "$work/samples"
