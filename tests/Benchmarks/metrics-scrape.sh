#!/usr/bin/env bash
# How long a Prometheus scrape of /metrics takes: the Showcase supervised with WORKERS (2) workers — the worker that
# gets the scrape asks the master, which gathers every worker's figures and its own and merges them — against the
# same Showcase inline (one process, no merge), in one invocation. Each server first serves LOAD (2000) requests and
# a few tasks so the scrape has series to write; then SCRAPES (200) scrapes, one at a time on a kept-alive connection.
# Prints the median and p99 scrape time, the body size and series count, and the supervised/inline ratio.
#
#   tests/Benchmarks/metrics-scrape.sh
#   env: WORKERS (2), SCRAPES (200), LOAD (2000), ACCEPT (text/plain; "openmetrics" asks for OpenMetrics)
set -euo pipefail
cd "$(dirname "$0")/../.."

workers=${WORKERS:-2}
scrapes=${SCRAPES:-200}
load=${LOAD:-2000}
accept="text/plain"
[[ "${ACCEPT:-}" == openmetrics ]] && accept="application/openmetrics-text; version=1.0.0"
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 2; }

dotnet build -c Release samples/Showcase -v q -nologo >/dev/null
showcase=$PWD/samples/Showcase/bin/Release/net10.0/Showcase.dll
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

common=(--Resident:ListenPort=0 --Resident:Metrics:Enabled=true --Resident:Sockets:tcp-echo:Port=0 --Resident:Sockets:udp-echo:Port=0)

# measure NAME URL: warms the server up, then prints "NAME median p99 bytes series" (times in ms).
measure() {
  local name=$1 url=$2
  for ((i = 0; i < load; i++)); do printf 'url = "%s/plaintext"\noutput = "/dev/null"\n' "$url"; done > "$work/load.cfg"
  curl -s -K "$work/load.cfg"
  for ((i = 0; i < 5; i++)); do curl -s -X POST "$url/task?name=bench$i" -o /dev/null; done
  curl -s -H "Accept: $accept" "$url/metrics" -o "$work/$name.txt"
  for ((i = 0; i < scrapes; i++)); do printf 'url = "%s/metrics"\noutput = "/dev/null"\n' "$url"; done > "$work/scrape.cfg"
  curl -s -H "Accept: $accept" -w '%{time_total}\n' -K "$work/scrape.cfg" | sort -n > "$work/$name.times"
  local median p99 bytes series
  median=$(awk -v n="$scrapes" 'NR == int((n + 1) / 2) { printf "%.2f", $1 * 1000 }' "$work/$name.times")
  p99=$(awk -v n="$scrapes" 'NR == int(n * 0.99) { printf "%.2f", $1 * 1000 }' "$work/$name.times")
  bytes=$(wc -c < "$work/$name.txt")
  series=$(grep -vc '^#' "$work/$name.txt")
  echo "$name $median $p99 $bytes $series"
}

# Inline: one process.
cd samples/Showcase
dotnet "$showcase" "${common[@]}" > "$work/inline.log" 2>&1 &
echo $! > "$work/inline.pid"
for ((i = 0; i < 200; i++)); do grep -qo 'http://127.0.0.1:[0-9]*' "$work/inline.log" 2>/dev/null && break; sleep 0.1; done
inline_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/inline.log" | head -1)
inline=$(measure inline "$inline_url")
kill "$(cat "$work/inline.pid")"; rm "$work/inline.pid"

# Supervised: a master and WORKERS workers.
output=$(dotnet "$showcase" start -d "--Resident:WorkerNum=$workers" "--Resident:PidFile=$work/master.pidfile" "--Resident:LogFile=$work/master.log" "${common[@]}")
head -1 "$work/master.pidfile" > "$work/master.pid"
supervised_url=$(grep -o 'http://127.0.0.1:[0-9]*' <<< "$output" | head -1)
supervised=$(measure supervised "$supervised_url")
dotnet "$showcase" stop "--Resident:PidFile=$work/master.pidfile" >/dev/null; rm "$work/master.pid"
cd - >/dev/null

printf '%-28s %10s %10s %10s %8s\n' "scrape of /metrics" "median ms" "p99 ms" "bytes" "series"
read -r _ im ip ib is <<< "$inline"
read -r _ sm sp sb ss <<< "$supervised"
printf '%-28s %10s %10s %10s %8s\n' "inline (1 process)" "$im" "$ip" "$ib" "$is"
printf '%-28s %10s %10s %10s %8s\n' "supervised ($workers workers + master)" "$sm" "$sp" "$sb" "$ss"
awk -v s="$sm" -v i="$im" 'BEGIN { printf "ratio supervised/inline (median): %.2f\n", s / i }'
