#!/usr/bin/env bash
# The supervised mode measured on the Showcase, JIT (dotnet Showcase.dll) or NativeAOT (a published binary):
#   - reload time (the reload verb's figure: request → new generation serving), over N reloads;
#   - requests/s under wrk while reloading every 2 s vs steady state, with wrk's socket errors and non-2xx;
#   - requests/s of the supervised server (WorkerNum=1) vs the same app inline (the master must not be on the path);
#   - the master's and a worker's RSS.
# Needs wrk (apt-get install -y wrk).
#   tests/Benchmarks/reload.sh [jit|aot] [seconds]      env: WRK_CONNECTIONS (64), RELOADS (10)
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${1:-jit}
seconds=${2:-20}
connections=${WRK_CONNECTIONS:-64}
reloads=${RELOADS:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

work=$(mktemp -d)
if [ "$build" = aot ]; then
  dotnet publish samples/Showcase -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -v q -nologo >/dev/null
  app=("$work/aot/Showcase")
else
  dotnet build -c Release samples/Showcase/Showcase.csproj -v q -nologo >/dev/null
  app=(dotnet "$PWD/samples/Showcase/bin/Release/net10.0/Showcase.dll")
fi
settings=(--Resident:ListenPort=0 --Resident:Sockets:tcp-echo:Port=0 --Resident:Sockets:udp-echo:Port=0
  "--Resident:PidFile=$work/app.pid" "--Resident:LogFile=$work/app.log" --Logging:LogLevel:Default=Warning)
inline_pid=""
cleanup() {
  (cd samples/Showcase && "${app[@]}" stop "${settings[@]}" >/dev/null 2>&1) || true
  [ -n "$inline_pid" ] && kill "$inline_pid" 2>/dev/null; wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
verb() { (cd samples/Showcase && "${app[@]}" "$@" "${settings[@]}"); }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wrk_run() { wrk -t1 -c"$connections" -d"$1"s "$2/plaintext"; }
summary() { awk '/Requests\/sec/ { r = $2 } /Socket errors/ { e = $0 } /Non-2xx/ { n = $0 } END { printf "%s req/s  %s  %s\n", r, (e ? e : "no socket errors"), (n ? n : "no non-2xx") }'; }

started=$(verb start -d)
address=$(echo "$started" | grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1)
echo "$build: $started"
wrk_run 10 "$address" >/dev/null   # warm-up

echo "== steady state, ${seconds}s"
wrk_run "$seconds" "$address" | summary

echo "== $reloads reloads during ${seconds}s"
times=()
(
  sleep 1
  for _ in $(seq 1 "$reloads"); do verb reload | grep -oE 'reloaded in [0-9]+ ms' >>"$work/reloads.txt"; sleep "$(echo "($seconds - 2) / $reloads" | bc -l)"; done
) &
wrk_run "$seconds" "$address" | summary
wait %1 2>/dev/null || true
mapfile -t times < <(grep -oE '[0-9]+' "$work/reloads.txt")
printf 'reload times (ms): %s\n' "${times[*]}"
printf 'reload median %s ms, max %s ms\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
  "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)"

info=$(verb info --json)
master_rss=$(echo "$info" | grep -oE '"rssBytes": ?[0-9]+' | head -1 | grep -oE '[0-9]+$')
worker_rss=$(echo "$info" | grep -oE '"memoryBytes": ?[0-9]+' | head -1 | grep -oE '[0-9]+$')
echo "master RSS $((master_rss / 1048576)) MiB, worker RSS $((worker_rss / 1048576)) MiB"

echo "== supervised (WorkerNum=1) vs inline, ${seconds}s each, alternating, 3 rounds"
worker_pid=$(echo "$info" | awk '/"workers"/ { w = 1 } w && /"pid"/ { gsub(/[^0-9]/, ""); print; exit }')
(cd samples/Showcase && exec "${app[@]}" --Resident:ListenPort=0 --Resident:Sockets:tcp-echo:Port=0 --Resident:Sockets:udp-echo:Port=0 \
  --Resident:Tables:InstanceName=bench-inline --Logging:LogLevel:Default=Information >"$work/inline.log" 2>&1) &
inline_pid=$!
for _ in $(seq 1 300); do
  inline=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/inline.log" | head -1) || true
  [ -n "$inline" ] && break; sleep 0.1
done
# Both warm: the supervised worker is the one the last reload started, so it gets the same warm-up as the inline one.
wrk_run 10 "$address" >/dev/null
wrk_run 10 "$inline" >/dev/null
for round in 1 2 3; do
  order="supervised inline"; (( round % 2 )) || order="inline supervised"
  for target in $order; do
    if [ $target = supervised ]; then url=$address; pid=$worker_pid; else url=$inline; pid=$inline_pid; fi
    before=$(cpu_ticks "$pid"); out=$(wrk_run "$seconds" "$url"); after=$(cpu_ticks "$pid")
    echo "$out" | awk -v name="$target" -v round="$round" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 } END { printf "round %s %-10s %10s req/s %8.2f us/req server CPU\n", round, name, r, ticks * 1000000 / hz / n }' | tee -a "$work/rounds.txt"
  done
done
awk '{ rps[$3] = rps[$3] " " $4 } $3 == "supervised" { s[$2] = $4 } $3 == "inline" { i[$2] = $4 }
  END { for (r in s) { ratio = s[r] / i[r]; printf "round %s supervised/inline %.3f\n", r, ratio } }' "$work/rounds.txt" | sort
