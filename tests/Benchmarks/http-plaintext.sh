#!/usr/bin/env bash
# Per-request overhead of Resident: the Showcase's /plaintext (as it ships: cleaner, request hooks, Server header,
# forwarded headers and HandleStatic on) against a raw Kestrel minimal API, measured alternately with the same wrk
# settings in one run, plus the Showcase with one feature at a time turned off (the per-feature cost table).
# Needs wrk (apt-get install -y wrk); AOT mode also needs taskset (util-linux) and the NativeAOT prerequisites (clang).
#
#   tests/Benchmarks/http-plaintext.sh [jit|aot] [rounds] [seconds]
#     jit (default)  framework-dependent builds; one long-lived process per server, warmed up first (tiered JIT and
#                    dynamic PGO need a while); not pinned unless PIN=1.
#     aot            both sides published with -p:PublishAot=true; the server pinned to SERVER_CPU (1) and wrk to
#                    WRK_CPU (0) with taskset; a fresh server process for every measurement (WARMUP seconds of load
#                    before it, no JIT to warm).
#     rounds (7), seconds (5): each round measures raw Kestrel, the shipped Showcase and every variant once, in an
#                    order that rotates from round to round, so drift on a shared machine hits all of them alike.
#   env: WRK_THREADS (1), WRK_CONNECTIONS (64), ROUTE (/plaintext), WARMUP (aot: 1, jit: 10 seconds once per long-lived server, 25 per fresh one),
#        VARIANTS (all; "none" for the ratio table only, or a space-separated subset of the names below),
#        RESIDENT_ARGS (extra Showcase arguments for every Showcase run), PIN (jit: 1 pins as aot does),
#        SERVER_CPU (1), WRK_CPU (0), ARTIFACTS (tests/Benchmarks/bin/http-plaintext: builds and published binaries),
#        BUILD (1; 0 runs what ARTIFACTS already holds). rounds 0 only builds.
#        FRESH (jit: 0; 1 starts a fresh process for every measurement, as aot always does, warmed WARMUP (25) seconds),
#        KEEP_RESULTS (a file to keep the raw per-round figures in: "round server requests/s cpu-us-per-request").
#
# Why fresh processes: on this kind of machine one process of the SAME binary runs in a fast or a slow mode for its
# whole life (raw Kestrel under NativeAOT: about 43k or 50k requests/s, fresh process to fresh process; not thread
# count, not address-space layout). Long-lived processes pair a mode with a server for the whole run and bias every
# ratio; fresh processes per measurement mix the modes, and the medians over enough rounds (9 or more) settle.
#
# The feature toggles (variants), each the shipped Showcase with one thing off:
#   no-forwarded   --Resident:ForwardedHeaders=false   no forwarded-header check (X-Real-IP, X-Forwarded-For, ...)
#   no-static      --Resident:HandleStatic=false       no static-file branch (no web-root index check per request)
#   no-server      --Resident:Server=                  no Server header (with hooks, OnStarting is still registered)
#   no-hooks       built with ShowcaseWithout=hooks     no [RequestHook] (RequestReceived/ResponseGenerated)
#   no-cleaner     built with ShowcaseWithout=cleaner   no [Cleaner] (no OnCompleted callback)
#   no-metrics     --Resident:Metrics:Enabled=false   no Prometheus collector (the Showcase ships with /metrics on):
#                  ASP.NET Core's request and connection instruments stay disabled, as in raw Kestrel
#   no-request-metrics --Resident:Metrics:ExcludedInstruments=http.server.*
#                  metrics on without any per-request measurement (the cost of the collector alone)
#   aspnetcore-metrics --Resident:Metrics:AspNetCoreRequestMetrics=true
#                  the request instruments measured by ASP.NET Core's hosting layer (and routing's match attempts)
#                  instead of Resident's middleware
#   all-off        all of the above: what is left is Resident's fixed cost (request count, drain check, WebSocket
#                  upgrade test, the app's extra endpoints and services)
# A feature's cost is (shipped CPU ratio - variant CPU ratio) x raw Kestrel's CPU per request, from the medians: the
# difference of two noisy figures. tests/Benchmarks/http-profile.sh measures each feature's own CPU from profiles of one
# run, which repeats far better.
#
# The headline figures are the medians of the paired (same-round) ratios: requests/s Showcase/raw (higher is better)
# and server CPU per request Showcase/raw (lower is better; user+system time of the server process from /proc,
# divided by the requests wrk completed: steadier than throughput on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=jit
if [[ "${1:-}" == jit || "${1:-}" == aot ]]; then mode=$1; shift; fi
rounds=${1:-7}
seconds=${2:-5}
threads=${WRK_THREADS:-1}
connections=${WRK_CONNECTIONS:-64}
route=${ROUTE:-/plaintext}
server_cpu=${SERVER_CPU:-1}
wrk_cpu=${WRK_CPU:-0}
artifacts=${ARTIFACTS:-$PWD/tests/Benchmarks/bin/http-plaintext}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

declare -A variant_build=( [shipped]="" [no-forwarded]="" [no-static]="" [no-server]="" [no-hooks]=hooks [no-cleaner]=cleaner [no-metrics]="" [no-request-metrics]="" [aspnetcore-metrics]="" [all-off]=hooks-cleaner )
declare -A variant_args=(
  [shipped]="" [no-forwarded]="--Resident:ForwardedHeaders=false" [no-static]="--Resident:HandleStatic=false"
  [no-server]="--Resident:Server=" [no-hooks]="" [no-cleaner]="" [no-metrics]="--Resident:Metrics:Enabled=false"
  [no-request-metrics]="--Resident:Metrics:ExcludedInstruments=http.server.*"
  [aspnetcore-metrics]="--Resident:Metrics:AspNetCoreRequestMetrics=true"
  [all-off]="--Resident:ForwardedHeaders=false --Resident:HandleStatic=false --Resident:Server= --Resident:Metrics:Enabled=false" )
all_variants="no-forwarded no-static no-server no-hooks no-cleaner no-metrics no-request-metrics aspnetcore-metrics all-off"
variants=${VARIANTS:-$all_variants}
[[ "$variants" == none ]] && variants=""
for variant in $variants; do
  [[ -v "variant_build[$variant]" ]] || { echo "unknown variant '$variant'; known: $all_variants" >&2; exit 2; }
done
servers="raw shipped $variants"

# build NAME: builds (jit) or publishes (aot) one server into $artifacts/$mode/NAME; prints nothing.
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
build() {
  local name=$1 project=samples/Showcase/Showcase.csproj without="" out="$artifacts/$mode/$1"
  if [[ $name == raw ]]; then project=tests/Benchmarks/RawKestrel/RawKestrel.csproj; else without=${variant_build[$name]}; fi
  # An environment variable, not -p: (a global property would rebuild every referenced project in other folders);
  # Showcase.csproj compiles the variant in folders of its own.
  local aot=()
  [[ $mode == aot ]] && aot=(-r "$rid" -p:PublishAot=true)
  ShowcaseWithout="$without" dotnet publish -c Release "${aot[@]}" "$project" -o "$out" -v q -nologo >/dev/null
}

declare -A built=()
for server in $servers; do
  key=raw; [[ $server != raw ]] && key="showcase-${variant_build[$server]}"
  [[ -v "built[$key]" ]] && continue
  if [[ "${BUILD:-1}" != 0 ]]; then echo "building $key ($mode) ..."; build "$server"; fi
  built[$key]=$server
done
(( rounds > 0 )) || exit 0
# The directory each server runs from (variants that differ only in arguments share the shipped build).
dir_of() { if [[ $1 == raw ]]; then echo "$artifacts/$mode/raw"; else echo "$artifacts/$mode/${built[showcase-${variant_build[$1]}]}"; fi; }

logs=$(mktemp -d)
pids=()
cleanup() { [[ ${#pids[@]} -gt 0 ]] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$logs"; }
trap cleanup EXIT

pin_server=(); pin_wrk=()
if [[ $mode == aot || "${PIN:-0}" == 1 ]]; then
  command -v taskset >/dev/null || { echo "taskset is missing: apt-get install -y util-linux" >&2; exit 2; }
  pin_server=(taskset -c "$server_cpu"); pin_wrk=(taskset -c "$wrk_cpu")
fi

# start NAME: runs the server on a port the OS chooses; sets $address and $pid (not called inside $(...), so the pid
# reaches the cleanup trap).
start() {
  local name=$1 dir; dir=$(dir_of "$1")
  local command=("$dir/Showcase") args
  [[ $mode == jit ]] && command=(dotnet "$dir/Showcase.dll")
  if [[ $name == raw ]]; then
    command=("$dir/RawKestrel"); [[ $mode == jit ]] && command=(dotnet "$dir/RawKestrel.dll")
    args=(--urls http://127.0.0.1:0)
  else
    # Its extra ports too are chosen by the OS, so several Showcases can run at once (jit mode).
    # shellcheck disable=SC2206 # the variant's and the user's arguments are word lists
    args=(--Resident:ListenPort=0 --Resident:Sockets:tcp-echo:Port=0 --Resident:Sockets:udp-echo:Port=0
          ${variant_args[$name]} ${RESIDENT_ARGS:-})
  fi
  # From its own folder, so appsettings.json and wwwroot are found.
  (cd "$dir" && exec "${pin_server[@]}" "${command[@]}" "${args[@]}" >"$logs/$name.log" 2>&1) &
  pid=$!
  pids+=("$pid")
  address=""
  for _ in $(seq 1 300); do
    address=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$logs/$name.log" 2>/dev/null | head -1 | sed 's/Now listening on: //') || true
    if [[ -n "$address" ]]; then return; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$logs/$name.log" >&2; exit 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# One wrk run against $2 served by pid $3: prints "requests/s server-CPU-microseconds-per-request".
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
rps() {
  local before after out
  before=$(cpu_ticks "$3")
  out=$("${pin_wrk[@]}" wrk -t"$threads" -c"$connections" -d"$1"s "$2$route")
  after=$(cpu_ticks "$3")
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$ticks_per_second" \
    '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 } END { printf "%s %.2f\n", r, ticks * 1000000 / hz / n }'
}

declare -A address_of=() pid_of=()
# Long-lived servers (jit unless FRESH=1): a process keeps whatever speed it started with for the whole run.
long_lived=0
[[ $mode == jit && "${FRESH:-0}" != 1 ]] && long_lived=1
if (( long_lived )); then
  for server in $servers; do start "$server"; address_of[$server]=$address; pid_of[$server]=$pid; done
  echo "warming up ..."
  for server in $servers; do rps "${WARMUP:-10}" "${address_of[$server]}" "${pid_of[$server]}" >/dev/null; done
fi

# measure NAME: one measurement of one server (aot: a fresh process, warmed, measured, stopped).
measure() {
  if (( long_lived )); then rps "$seconds" "${address_of[$1]}" "${pid_of[$1]}"; return; fi
  start "$1"
  local warmup=${WARMUP:-1}
  # Tiered compilation needs 25 s or so of load on one core to settle (tests/Benchmarks/throughput.sh found 8–10 s short).
  [[ $mode == jit ]] && warmup=${WARMUP:-25}
  "${pin_wrk[@]}" wrk -t"$threads" -c"$connections" -d"${warmup}"s "$address$route" >/dev/null
  rps "$seconds" "$address" "$pid"
  stop "$pid"
}

results="$logs/results"
[[ -n "${KEEP_RESULTS:-}" ]] && results=$KEEP_RESULTS
: >"$results"
order=($servers)
printf '%-6s %12s %12s %8s %14s %14s %8s\n' round showcase raw ratio "showcase us/req" "raw us/req" "cpu ratio"
for round in $(seq 1 "$rounds"); do
  # Rotate the order every round, so no server always runs first or right after another.
  count=${#order[@]}; shift_by=$(( (round - 1) % count ))
  for i in $(seq 0 $((count - 1))); do
    server=${order[$(( (i + shift_by) % count ))]}
    measure "$server" >"$logs/measured"  # not in a subshell: a started server stays this shell's to stop
    read -r r c <"$logs/measured"
    echo "$round $server $r $c" >>"$results"
  done
  read -r _ _ sr sc < <(grep "^$round shipped " "$results")
  read -r _ _ kr kc < <(grep "^$round raw " "$results")
  printf '%-6s %12s %12s %8.3f %14s %14s %8.3f\n' "$round" "$sr" "$kr" "$(echo "$sr / $kr" | bc -l)" "$sc" "$kc" "$(echo "$sc / $kc" | bc -l)"
done

# Medians of the paired ratios per server (and of the raw figures), from the results file.
summary() {
  awk -v who="$1" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { rps[$1, $2] = $3; cpu[$1, $2] = $4; if ($1 > rounds) rounds = $1 }
    END {
      for (r = 1; r <= rounds; r++) { n++; rr[n] = rps[r, who] / rps[r, "raw"]; cr[n] = cpu[r, who] / cpu[r, "raw"]; s[n] = rps[r, who]; k[n] = rps[r, "raw"]; sc[n] = cpu[r, who]; kc[n] = cpu[r, "raw"] }
      printf "%.0f %.0f %.4f %.2f %.2f %.4f\n", median(s, n), median(k, n), median(rr, n), median(sc, n), median(kc, n), median(cr, n)
    }' "$results"
}
# paired VARIANT: the median over rounds of shipped/VARIANT requests/s in the same round (e.g. metrics on/off).
paired() {
  awk -v who="$1" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { rps[$1, $2] = $3; if ($1 > rounds) rounds = $1 }
    END { for (r = 1; r <= rounds; r++) { n++; q[n] = rps[r, "shipped"] / rps[r, who] } printf "%.4f\n", median(q, n) }' "$results"
}
read -r s k ratio sc kc cpu_ratio < <(summary shipped)
printf 'median %12s %12s %8.3f %14s %14s %8.3f\n' "$s" "$k" "$ratio" "$sc" "$kc" "$cpu_ratio"
echo "$mode: requests/s ratio Showcase/raw (higher is better) and server CPU-per-request ratio (lower is better);" \
  "wrk -t$threads -c$connections -d${seconds}s $route, $rounds rounds${pin_server:+, server on CPU $server_cpu and wrk on CPU $wrk_cpu}"

if [[ -n "$variants" ]]; then
  echo
  echo "per-feature cost ($mode): the Showcase with one feature off, medians over the same rounds"
  printf '%-18s %10s %10s %14s %22s %16s\n' variant "rps ratio" "cpu ratio" "us/req" "feature cost us/req" "shipped/variant"
  printf '%-18s %10.3f %10.3f %14.2f %22s %16s\n' shipped "$ratio" "$cpu_ratio" "$sc" "-" "-"
  for variant in $variants; do
    read -r _ _ vratio vsc _ vcpu < <(summary "$variant")
    printf '%-18s %10.3f %10.3f %14.2f %22.2f %16.3f\n' "$variant" "$vratio" "$vcpu" "$vsc" "$(echo "($cpu_ratio - $vcpu) * $kc" | bc -l)" "$(paired "$variant")"
  done
  echo "feature cost = (shipped cpu ratio - variant cpu ratio) x raw us/req ($kc); all-off is everything above at once;"
  echo "shipped/variant = median of the same round's requests/s ratio (for no-metrics: metrics on/off)"
fi
