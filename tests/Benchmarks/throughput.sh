#!/usr/bin/env bash
# Issue 19's throughput comparison, in one invocation: raw Kestrel with its defaults, Resident with its defaults and
# Resident with the throughput profile (Resident:Performance:Profile=Throughput), on /plaintext (wrk) and WebSocket
# echo (tests/Benchmarks/WebSocketLoad), alternating within every round. Prints requests (or round trips) per second,
# server CPU microseconds per request (user+system time from /proc/<pid>/stat of every server process — a supervised
# server's master and all its workers — divided by the requests completed), p50/p99 latency and the ratios.
# wrk and the load generator are pinned to WRK_CPU (0), the servers to SERVER_CPU (1), with taskset: on a two-core
# machine the load generator takes one core, so server CPU per request is the figure that counts.
#
# The servers:
#   raw       HTTP: tests/Benchmarks/RawKestrel (a minimal API, Kestrel's defaults); WebSocket: WebSocketServer
#             --mode raw (the textbook ASP.NET Core echo loop)
#   resident  tests/Benchmarks/WebSocketServer --mode resident, one process, Resident's defaults
#   profile   the same app supervised (`start`: a master and WorkerNum workers, the way the profile is meant to run,
#             so the master gives its workers the start-time settings), with --Resident:Performance:Profile=Throughput
# The Resident side is WebSocketServer rather than the Showcase: it serves /plaintext and /echo with Resident's
# defaults and nothing else (no cleaner, hooks, metrics or static files, whose cost http-plaintext.sh measures), so
# the figures are Resident's own cost and the profile's effect, and one binary covers both HTTP and WebSocket.
#
#   tests/Benchmarks/throughput.sh [jit|aot] [rounds] [seconds]
#     jit (default)  framework-dependent builds; one long-lived process per server, warmed up first (tiered JIT and
#                    dynamic PGO need a while).
#     aot            every server published with -p:PublishAot=true (the load generator stays JIT); fresh servers
#                    every round, warmed with WARMUP seconds of load.
#     rounds (5), seconds (5): each round measures every server once per benchmark, in an order that rotates from
#                    round to round; the headline figures are medians of the paired (same-round) ratios.
#   env: BENCHES ("http ws"), WRK_THREADS (1), WRK_CONNECTIONS (64), WS_CLIENTS (64), WS_SIZE (64),
#        WARMUP (jit: 25, aot: 2 seconds; tiered JIT reaches its steady state on one core only after 10-30 s
#        of load: shorter warm-ups measure the JIT, not the server), SERVER_CPU (1), WRK_CPU (0), BUILD (1; 0 runs what ARTIFACTS holds),
#        ARTIFACTS (tests/Benchmarks/bin/throughput), PROFILE_ARGS (--Resident:Performance:Profile=Throughput),
#        PROFILE_SUPERVISED (1; 0 runs the profile in one process with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
#        set by this script, as docs/performance.md tells single-process users to),
#        VARIANTS: more Resident servers, measured alongside, ';'-separated "name:supervised(0|1):arguments" entries,
#        e.g. VARIANTS='inline:1:--Resident:Performance:InlineScheduling=true;gc:1:--Resident:Performance:GarbageCollector=Workstation'
#        (how docs/performance.md measured each setting on its own; a variant's arguments may start with
#        env:NAME=VALUE words, set in its environment). rounds 0 only builds.
#        LOAD_ENV (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1): the echo load generator's environment. With inline
#        completions it costs less per round trip, so the servers rather than the generator set the pace (without them
#        it topped out near 47k round trips/s on one core, below the profile's server); LOAD_ENV= runs it plain.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=jit
if [[ "${1:-}" == jit || "${1:-}" == aot ]]; then mode=$1; shift; fi
rounds=${1:-5}
seconds=${2:-5}
benches=${BENCHES:-http ws}
threads=${WRK_THREADS:-1}
connections=${WRK_CONNECTIONS:-64}
ws_clients=${WS_CLIENTS:-64}
ws_size=${WS_SIZE:-64}
server_cpu=${SERVER_CPU:-1}
wrk_cpu=${WRK_CPU:-0}
warmup=${WARMUP:-$([[ $mode == jit ]] && echo 25 || echo 2)}
artifacts=${ARTIFACTS:-$PWD/tests/Benchmarks/bin/throughput}
profile_args=${PROFILE_ARGS:---Resident:Performance:Profile=Throughput}
load_env=${LOAD_ENV-DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing: apt-get install -y util-linux" >&2; exit 2; }

# The servers: name -> supervised (0|1) and arguments.
declare -A supervised_of=( [raw]=0 [resident]=0 [profile]=${PROFILE_SUPERVISED:-1} )
declare -A args_of=( [raw]="" [resident]="" [profile]="$profile_args" )
servers="raw resident profile"
IFS=';' read -r -a variant_list <<<"${VARIANTS:-}"
for entry in "${variant_list[@]}"; do
  [[ -z "$entry" ]] && continue
  name=${entry%%:*}; rest=${entry#*:}
  [[ "$name" =~ ^[a-z0-9-]+$ && "$rest" =~ ^[01]: ]] || { echo "bad VARIANTS entry '$entry': name:0|1:arguments" >&2; exit 2; }
  supervised_of[$name]=${rest%%:*}; args_of[$name]=${rest#*:}
  servers+=" $name"
done
[[ "${PROFILE_SUPERVISED:-1}" == 0 ]] && args_of[profile]="env:DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $profile_args"

# --- build ---------------------------------------------------------------------------------------------------------
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
publish() {
  local aot=()
  [[ $mode == aot ]] && aot=(-r "$rid" -p:PublishAot=true)
  dotnet publish -c Release "${aot[@]}" "$1" -o "$2" -v q -nologo >/dev/null
}
if [[ "${BUILD:-1}" != 0 ]]; then
  echo "building ($mode) ..."
  publish tests/Benchmarks/RawKestrel/RawKestrel.csproj "$artifacts/$mode/raw"
  publish tests/Benchmarks/WebSocketServer/WebSocketServer.csproj "$artifacts/$mode/ws"
  dotnet publish -c Release tests/Benchmarks/WebSocketLoad/WebSocketLoad.csproj -o "$artifacts/load" -v q -nologo >/dev/null
fi
(( rounds > 0 )) || exit 0

logs=$(mktemp -d)
ulimit -n 65536 2>/dev/null || true
live=()
cleanup() {
  for pid in "${live[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT
ticks_per_second=$(getconf CLK_TCK)

# start NAME BENCH: runs one server on a port the OS chooses; sets $address and $pid (the process to stop: the
# master of a supervised server). BENCH http serves raw from RawKestrel; ws serves raw from WebSocketServer.
start() {
  local name=$1 bench=$2 log="$logs/$1-$2-$RANDOM.log" command args=() env=() word
  if [[ $name == raw && $bench == http ]]; then
    command=("$artifacts/$mode/raw/RawKestrel"); [[ $mode == jit ]] && command=(dotnet "$artifacts/$mode/raw/RawKestrel.dll")
    args=(--urls http://127.0.0.1:0)
  else
    command=("$artifacts/$mode/ws/WebSocketServer"); [[ $mode == jit ]] && command=(dotnet "$artifacts/$mode/ws/WebSocketServer.dll")
    if [[ $name == raw ]]; then args=(--mode raw --urls http://127.0.0.1:0); else args=(--mode resident --Resident:ListenPort=0); fi
    [[ ${supervised_of[$name]} == 1 ]] && args+=(start "--Resident:PidFile=$logs/$name-$RANDOM.pid")
    for word in ${args_of[$name]}; do
      if [[ $word == env:* ]]; then env+=("${word#env:}"); else args+=("$word"); fi
    done
  fi
  (cd "$(dirname "${command[-1]}")" && exec env "${env[@]}" taskset -c "$server_cpu" "${command[@]}" "${args[@]}" >"$log" 2>&1) &
  pid=$!
  live+=("$pid")
  address=""
  for _ in $(seq 1 600); do
    address=$(grep -oE '(Now listening on: |Resident started: )http://127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null | head -1 | sed 's/.*: //') || true
    if [[ -n "$address" ]]; then return; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$log" >&2; exit 1
}

# stop PID: SIGTERM (a master drains and stops its workers), SIGKILL after 20 s.
stop() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() p
  for p in "${live[@]}"; do [[ $p != "$1" ]] && kept+=("$p"); done
  live=("${kept[@]}")
}

# pids_of PID: the server process and its children (a supervised master's workers), '+'-joined.
pids_of() {
  local all=("$1") task
  for task in /proc/"$1"/task/*; do
    # shellcheck disable=SC2207 # a list of numbers
    all+=($(cat "$task/children" 2>/dev/null))
  done
  (IFS=+; echo "${all[*]}")
}
cpu_ticks() {
  local total=0 pid
  for pid in ${1//+/ }; do total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) )); done
  echo "$total"
}
# micros VALUE: wrk's latency (850.00us, 1.20ms, 2.00s) in microseconds.
micros() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }

# http_run SECONDS ADDRESS PIDS: "requests/s cpu-us/request p50-us p99-us".
http_run() {
  local before after out
  before=$(cpu_ticks "$3")
  out=$(taskset -c "$wrk_cpu" wrk --latency -t"$threads" -c"$connections" -d"$1"s "$2/plaintext")
  after=$(cpu_ticks "$3")
  local p50 p99
  p50=$(micros "$(awk '$1 == "50%" { print $2 }' <<<"$out")"); p99=$(micros "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  awk -v ticks=$((after - before)) -v hz="$ticks_per_second" -v p50="$p50" -v p99="$p99" \
    '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 } END { printf "%.0f %.2f %.0f %.0f\n", r, ticks * 1000000 / hz / n, p50, p99 }' <<<"$out"
}

# ws_run SECONDS WARMUP NAMES...: one load-generator run over the named servers (each already started, in
# ${ws_address[NAME]}), alternating 1-second slices; prints "NAME round-trips/s cpu-us/message p50-us p99-us" lines.
ws_run() {
  local secs=$1 warm=$2 urls=() pids=() name out i=0; shift 2
  for name in "$@"; do urls+=("ws://${ws_address[$name]#http://}/echo"); pids+=("$(pids_of "${ws_pid[$name]}")"); done
  out=$(IFS=,; env $load_env taskset -c "$wrk_cpu" dotnet "$artifacts/load/WebSocketLoad.dll" echo --url "${urls[*]}" --server-pid "${pids[*]}" \
    --clk-tck "$ticks_per_second" --clients "$ws_clients" --seconds "$secs" --size "$ws_size" --warmup "$warm" 2>>"$logs/load.log") \
    || { echo "load generator failed:" >&2; cat "$logs/load.log" >&2; exit 1; }
  for name in "$@"; do
    local line; line=$(grep "^target=$i " <<<"$out"); i=$((i + 1))
    field() { tr ' ' '\n' <<<"$line" | sed -n "s/^$1=//p"; }
    echo "$name $(field messages_per_s) $(field server_cpu_us_per_msg) $(field p50_us) $(field p99_us)"
  done
}

results="$logs/results"
: >"$results"
order=($servers)
count=${#order[@]}
declare -A http_address=() http_pid=() ws_address=() ws_pid=()

start_all() {  # start_all BENCH: every server for one benchmark
  local server
  for server in $servers; do
    start "$server" "$1"
    if [[ $1 == http ]]; then http_address[$server]=$address; http_pid[$server]=$pid; else ws_address[$server]=$address; ws_pid[$server]=$pid; fi
  done
}
stop_all() {
  local server
  for server in $servers; do
    if [[ $1 == http ]]; then stop "${http_pid[$server]}"; else stop "${ws_pid[$server]}"; fi
  done
}
warm_http() {
  local server
  for server in $servers; do taskset -c "$wrk_cpu" wrk -t"$threads" -c"$connections" -d"$warmup"s "${http_address[$server]}/plaintext" >/dev/null; done
}

for bench in $benches; do
  [[ $bench == http || $bench == ws ]] || { echo "unknown benchmark '$bench': http or ws" >&2; exit 2; }
  if [[ $mode == jit ]]; then
    start_all "$bench"
    echo "$bench: warming up ..."
    if [[ $bench == http ]]; then warm_http; else ws_run "$warmup" 2 $servers >/dev/null; fi
  fi
  for round in $(seq 1 "$rounds"); do
    if [[ $mode == aot ]]; then
      start_all "$bench"
      if [[ $bench == http ]]; then warm_http; else ws_run "$warmup" 1 $servers >/dev/null; fi
    fi
    shift_by=$(( (round - 1) % count )); rotated=()
    for i in $(seq 0 $((count - 1))); do rotated+=("${order[$(( (i + shift_by) % count ))]}"); done
    if [[ $bench == http ]]; then
      for server in "${rotated[@]}"; do
        echo "$bench $round $server $(http_run "$seconds" "${http_address[$server]}" "$(pids_of "${http_pid[$server]}")")" >>"$results"
      done
    else
      ws_run "$seconds" 0 "${rotated[@]}" | sed "s/^/$bench $round /" >>"$results"
    fi
    [[ $mode == aot ]] && stop_all "$bench"
  done
  [[ $mode == jit ]] && stop_all "$bench"
done

# --- report: per round, then medians of the figures and of the paired ratios to raw -----------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for bench in $benches; do
  unit="requests/s"; [[ $bench == ws ]] && unit="round trips/s"
  echo
  echo "$bench ($mode): $([[ $bench == http ]] && echo "wrk --latency -t$threads -c$connections /plaintext" || echo "WebSocket echo, $ws_clients clients, $ws_size-byte messages"), ${seconds}s x $rounds rounds;" \
    "server on CPU $server_cpu, load on CPU $wrk_cpu; $unit, server CPU us per request, latency us"
  printf '%-6s %-12s %10s %9s %8s %8s\n' round server "$([[ $bench == http ]] && echo req/s || echo rt/s)" "cpu us" p50 p99
  awk -v b="$bench" '$1 == b { printf "%-6s %-12s %10s %9s %8s %8s\n", $2, $3, $4, $5, $6, $7 }' "$results"
  echo "medians (ratios are medians of the same-round ratios to raw):"
  printf '%-12s %10s %9s %8s %8s | %9s %9s %9s\n' server "$([[ $bench == http ]] && echo req/s || echo rt/s)" "cpu us" p50 p99 "rps x" "cpu x" "p99 x"
  for server in $servers; do
    m() { awk -v b="$bench" -v s="$server" -v c="$1" '$1 == b && $3 == s { print $c }' "$results" | median; }
    ratio() {
      awk -v b="$bench" -v s="$server" -v c="$1" '$1 == b { v[$2, $3] = $c; r[$2] = 1 } END { for (k in r) if (v[k, "raw"] > 0) print v[k, s] / v[k, "raw"] }' "$results" | median
    }
    printf '%-12s %10.0f %9.2f %8.0f %8.0f | %9.3f %9.3f %9.3f\n' "$server" "$(m 4)" "$(m 5)" "$(m 6)" "$(m 7)" "$(ratio 4)" "$(ratio 5)" "$(ratio 7)"
  done
done

# Issue 19's goals, on the medians.
verdict() { if [[ "$(echo "$2" | bc -l)" == 1 ]]; then echo "  met     $1"; else echo "  MISSED  $1"; fi; }
get() { awk -v b="$1" -v s="$2" -v c="$3" '$1 == b && $3 == s { print $c }' "$results" | median; }
pair() { awk -v b="$1" -v s="$2" -v t="$3" -v c="$4" '$1 == b { v[$2, $3] = $c; r[$2] = 1 } END { for (k in r) if (v[k, t] > 0) print v[k, s] / v[k, t] }' "$results" | median; }
echo
echo "goals (issue 19):"
if [[ " $benches " == *" http "* ]]; then
  cpu=$(get http profile 5); p99x=$(pair http profile raw 7); def=$(pair http resident raw 5)
  verdict "profile server CPU per plaintext request $(printf %.2f "$cpu") us <= 12 (stretch 9)" "$cpu <= 12"
  verdict "profile p99 $(printf %.2f "$p99x") x raw Kestrel's <= 1.5" "$p99x <= 1.5"
  echo "  (info)  defaults: Resident CPU per request $(printf %.3f "$def") x raw Kestrel's"
fi
if [[ " $benches " == *" ws "* ]]; then
  wsx=$(pair ws profile raw 4)
  verdict "profile WebSocket echo $(printf %.3f "$wsx") x raw ASP.NET Core round trips/s >= 1.3" "$wsx >= 1.3"
  echo "  (info)  defaults: Resident echo $(printf %.3f "$(pair ws resident raw 4)") x raw round trips/s"
fi
