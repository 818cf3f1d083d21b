#!/usr/bin/env bash
# Resident's WebSocket server against a raw ASP.NET Core WebSocket endpoint (the documentation's echo loop and a
# SemaphoreSlim-guarded socket registry), both from tests/Benchmarks/WebSocketServer, in one run:
#   echo       CLIENTS_ECHO (100) clients per server send SIZE (64) bytes and wait for the echo, ECHO_SECONDS (10) s
#              per server: messages/s and the p50/p99 round trip
#   broadcast  CLIENTS_BROADCAST (1000) clients per server; the server sends each of them BROADCAST_MESSAGES (500)
#              messages, BROADCAST_REPEAT (9) times: delivered messages/s, the median (500 x 66 bytes stays under
#              Kestrel's 64 KiB output buffer per connection, so the raw sends never wait on a client)
#   idle       CLIENTS_IDLE (10000) idle connections on a fresh server: managed and RSS bytes per connection
# Echo and broadcast load one server at a time, the two taking short turns (A B B A ...) within each run, so the
# drift of a shared two-core machine hits both alike; which one leads alternates by round. Prints each round, the
# medians and the median of the paired (same-round) ratios resident/raw, with the server's CPU time per message
# (from /proc). Goals (the issue): throughput >= 0.95 x raw, echo p99 <= 1.1 x raw, at most 8 KiB per idle
# connection beyond raw.
#   tests/Benchmarks/websocket.sh [rounds]          (3 rounds take about 4 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${1:-3}
size=${SIZE:-64}
echo_clients=${CLIENTS_ECHO:-100}
echo_seconds=${ECHO_SECONDS:-10}
broadcast_clients=${CLIENTS_BROADCAST:-1000}
broadcast_messages=${BROADCAST_MESSAGES:-500}
broadcast_repeat=${BROADCAST_REPEAT:-9}
idle_clients=${CLIENTS_IDLE:-10000}

# Every connection is a descriptor in the client and in the server, which inherit this shell's limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (( $(ulimit -n) < idle_clients + 1024 )); then
  echo "open-file limit $(ulimit -n) is too low for $idle_clients connections (hard limit $(ulimit -Hn))" >&2; exit 2
fi

dotnet build -c Release tests/Benchmarks/WebSocketServer/WebSocketServer.csproj -v q -nologo >/dev/null
dotnet build -c Release tests/Benchmarks/WebSocketLoad/WebSocketLoad.csproj -v q -nologo >/dev/null
server_dir=tests/Benchmarks/WebSocketServer
load_dll=tests/Benchmarks/WebSocketLoad/bin/Release/net10.0/WebSocketLoad.dll
ticks_per_second=$(getconf CLK_TCK)

logs=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$logs"; }
trap cleanup EXIT

# start MODE: runs the server in MODE on a port the OS chooses; its address lands in $address, its pid in $pid.
# (Not called inside $(...), so the pid reaches the cleanup trap.)
start() {
  local mode=$1 log="$logs/$1-$RANDOM.log" args
  if [ "$mode" = resident ]; then args=(--Resident:ListenPort=0); else args=(--urls http://127.0.0.1:0); fi
  (cd "$server_dir" && exec dotnet bin/Release/net10.0/WebSocketServer.dll --mode "$mode" "${args[@]}" >"$log" 2>&1) &
  pid=$!
  pids+=("$pid")
  address=""
  for _ in $(seq 1 300); do
    address=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null | head -1 | sed 's/Now listening on: http:\/\///') || true
    if [ -n "$address" ]; then return; fi
    sleep 0.1
  done
  echo "$mode server did not start:" >&2; cat "$log" >&2; exit 1
}

# stop PID: SIGTERM, then SIGKILL if the graceful stop takes over 15 s.
stop() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# load SCENARIO ADDRESSES PIDS ARGS...: one load-generator run against one or more servers (comma-separated);
# prints its key=value lines, one per server ("target=<index>" first).
load() {
  local scenario=$1 addresses=$2 server_pids=$3 urls; shift 3
  urls=$(tr ',' '\n' <<<"$addresses" | sed 's|.*|ws://&/echo|' | paste -sd,)
  dotnet "$load_dll" "$scenario" --url "$urls" --server-pid "$server_pids" --clk-tck "$ticks_per_second" "$@" 2>>"$logs/load.log" \
    || { echo "load generator failed ($scenario against $addresses):" >&2; cat "$logs/load.log" >&2; exit 1; }
}
# field KEY LINE: the value of KEY in one key=value line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { echo "$1 / $2" | bc -l; }

# both SCENARIO ROUND ARGS...: one run loading both long-lived servers in turns; which one leads alternates by
# round. Leaves resident's figures in $r and raw's in $k.
both() {
  local scenario=$1 round=$2 out; shift 2
  if (( round % 2 )); then
    out=$(load "$scenario" "$resident,$raw" "$resident_pid,$raw_pid" "$@"); r=$(grep '^target=0 ' <<<"$out"); k=$(grep '^target=1 ' <<<"$out")
  else
    out=$(load "$scenario" "$raw,$resident" "$raw_pid,$resident_pid" "$@"); k=$(grep '^target=0 ' <<<"$out"); r=$(grep '^target=1 ' <<<"$out")
  fi
}

echo_args=(--clients "$echo_clients" --seconds "$echo_seconds" --size "$size" --warmup 3)
broadcast_args=(--clients "$broadcast_clients" --messages "$broadcast_messages" --size "$size" --repeat "$broadcast_repeat")

start resident; resident=$address; resident_pid=$pid
start raw; raw=$address; raw_pid=$pid

# Tiered JIT and dynamic PGO need a while on two cores before the code is steady.
echo "warming up ..."
both echo 1 --clients "$echo_clients" --seconds 4 --warmup 4 --size "$size"
both broadcast 1 --clients "$broadcast_clients" --messages "$broadcast_messages" --size "$size" --repeat 2

# --- echo: within a run the servers take 1-second turns (A B B A ...) until each has had the full time ---
echo
echo "echo: $echo_clients clients per server, $size-byte messages, ${echo_seconds}s per server per run in 1s turns" \
  "(round trip in us; server CPU us per message)"
printf '%-6s %10s %10s %7s | %7s %7s | %7s %7s %7s | %6s %6s %7s\n' \
  round "res msg/s" "raw msg/s" ratio "res p50" "raw p50" "res p99" "raw p99" "p99 x" "res cpu" "raw cpu" "cpu x"
e_r=(); e_k=(); e_ratio=(); e_r50=(); e_k50=(); e_r99=(); e_k99=(); e_p99x=(); e_rc=(); e_kc=(); e_cpux=()
for round in $(seq 1 "$rounds"); do
  both echo "$round" "${echo_args[@]}"
  rm=$(field messages_per_s "$r"); km=$(field messages_per_s "$k")
  r50=$(field p50_us "$r"); k50=$(field p50_us "$k"); r99=$(field p99_us "$r"); k99=$(field p99_us "$k")
  rc=$(field server_cpu_us_per_msg "$r"); kc=$(field server_cpu_us_per_msg "$k")
  ratio=$(div "$rm" "$km"); p99x=$(div "$r99" "$k99"); cpux=$(div "$rc" "$kc")
  e_r+=("$rm"); e_k+=("$km"); e_ratio+=("$ratio"); e_r50+=("$r50"); e_k50+=("$k50"); e_r99+=("$r99"); e_k99+=("$k99")
  e_p99x+=("$p99x"); e_rc+=("$rc"); e_kc+=("$kc"); e_cpux+=("$cpux")
  printf '%-6s %10s %10s %7.3f | %7s %7s | %7s %7s %7.3f | %6s %6s %7.3f\n' \
    "$round" "$rm" "$km" "$ratio" "$r50" "$k50" "$r99" "$k99" "$p99x" "$rc" "$kc" "$cpux"
done
printf '%-6s %10.0f %10.0f %7.3f | %7.0f %7.0f | %7.0f %7.0f %7.3f | %6.2f %6.2f %7.3f\n' median \
  "$(median "${e_r[@]}")" "$(median "${e_k[@]}")" "$(median "${e_ratio[@]}")" "$(median "${e_r50[@]}")" "$(median "${e_k50[@]}")" \
  "$(median "${e_r99[@]}")" "$(median "${e_k99[@]}")" "$(median "${e_p99x[@]}")" \
  "$(median "${e_rc[@]}")" "$(median "${e_kc[@]}")" "$(median "${e_cpux[@]}")"

# --- broadcast: within a run the servers take turns broadcasting (A B B A ...) ---
echo
echo "broadcast: $broadcast_clients clients per server x $broadcast_messages messages of $size bytes," \
  "median of $broadcast_repeat broadcasts per server per run (delivered messages/s; server CPU us per message)"
printf '%-6s %10s %10s %7s | %6s %6s %7s\n' round "res msg/s" "raw msg/s" ratio "res cpu" "raw cpu" "cpu x"
b_r=(); b_k=(); b_ratio=(); b_rc=(); b_kc=(); b_cpux=()
for round in $(seq 1 "$rounds"); do
  both broadcast "$round" "${broadcast_args[@]}"
  rm=$(field messages_per_s "$r"); km=$(field messages_per_s "$k")
  rc=$(field server_cpu_us_per_msg "$r"); kc=$(field server_cpu_us_per_msg "$k")
  ratio=$(div "$rm" "$km"); cpux=$(div "$rc" "$kc")
  b_r+=("$rm"); b_k+=("$km"); b_ratio+=("$ratio"); b_rc+=("$rc"); b_kc+=("$kc"); b_cpux+=("$cpux")
  printf '%-6s %10s %10s %7.3f | %6s %6s %7.3f\n' "$round" "$rm" "$km" "$ratio" "$rc" "$kc" "$cpux"
done
printf '%-6s %10.0f %10.0f %7.3f | %6.2f %6.2f %7.3f\n' median \
  "$(median "${b_r[@]}")" "$(median "${b_k[@]}")" "$(median "${b_ratio[@]}")" "$(median "${b_rc[@]}")" "$(median "${b_kc[@]}")" "$(median "${b_cpux[@]}")"

stop "$resident_pid"; stop "$raw_pid"; pids=()

# --- idle: each measurement on a fresh server, so the garbage of the runs above stays out ---
idle() {
  start "$1"
  local out
  out=$(load idle "$address" "$pid" --clients "$idle_clients")
  stop "$pid"; pids=()
  idle_managed=$(field managed_per_conn "$out"); idle_rss=$(field rss_per_conn "$out")
}
echo
echo "idle: $idle_clients connections, bytes per connection (after a full blocking GC; fresh server each)"
printf '%-6s %9s %9s %9s | %9s %9s %9s\n' round "res mgd" "raw mgd" "mgd diff" "res rss" "raw rss" "rss diff"
i_rm=(); i_km=(); i_dm=(); i_rr=(); i_kr=(); i_dr=()
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then idle resident; rm=$idle_managed; rr=$idle_rss; idle raw; km=$idle_managed; kr=$idle_rss
  else idle raw; km=$idle_managed; kr=$idle_rss; idle resident; rm=$idle_managed; rr=$idle_rss; fi
  i_rm+=("$rm"); i_km+=("$km"); i_dm+=($((rm - km))); i_rr+=("$rr"); i_kr+=("$kr"); i_dr+=($((rr - kr)))
  printf '%-6s %9s %9s %9s | %9s %9s %9s\n' "$round" "$rm" "$km" $((rm - km)) "$rr" "$kr" $((rr - kr))
done
printf '%-6s %9.0f %9.0f %9.0f | %9.0f %9.0f %9.0f\n' median \
  "$(median "${i_rm[@]}")" "$(median "${i_km[@]}")" "$(median "${i_dm[@]}")" "$(median "${i_rr[@]}")" "$(median "${i_kr[@]}")" "$(median "${i_dr[@]}")"

# --- goals, on the medians of the paired ratios and differences ---
verdict() { if [ "$(echo "$2" | bc -l)" = 1 ]; then echo "  met     $1"; else echo "  MISSED  $1"; fi; }
echo
echo "goals (medians of $rounds rounds):"
verdict "echo throughput ratio $(printf %.3f "$(median "${e_ratio[@]}")") >= 0.95" "$(median "${e_ratio[@]}") >= 0.95"
verdict "echo p99 ratio $(printf %.3f "$(median "${e_p99x[@]}")") <= 1.10" "$(median "${e_p99x[@]}") <= 1.10"
verdict "broadcast throughput ratio $(printf %.3f "$(median "${b_ratio[@]}")") >= 0.95" "$(median "${b_ratio[@]}") >= 0.95"
verdict "idle managed bytes/connection beyond raw $(median "${i_dm[@]}") <= 8192" "$(median "${i_dm[@]}") <= 8192"
verdict "idle RSS bytes/connection beyond raw $(median "${i_dr[@]}") <= 8192" "$(median "${i_dr[@]}") <= 8192"
