#!/usr/bin/env bash
# WebSocket push latency between workers of one supervised server: tests/Apps/SupervisedApp started with WorkerNum=2,
# a push to a connection on the sender's own worker vs on the other worker (routed through the master), p50/p99.
#   tests/Benchmarks/push-latency.sh [messages]
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${1:-2000}
dotnet build -c Release tests/Apps/SupervisedApp/SupervisedApp.csproj -v q -nologo >/dev/null
dotnet build -c Release tests/Benchmarks/WebSocketLoad/WebSocketLoad.csproj -v q -nologo >/dev/null
work=$(mktemp -d)
app=(dotnet "$PWD/tests/Apps/SupervisedApp/bin/Release/net10.0/SupervisedApp.dll")
settings=(--Resident:ListenPort=0 --Resident:WorkerNum=2 "--Resident:PidFile=$work/app.pid" "--Resident:LogFile=$work/app.log"
  --Logging:LogLevel:Default=Warning --Resident:CronJobs:FastCron:Enabled=false)
cleanup() { (cd "$work" && "${app[@]}" stop "${settings[@]}" >/dev/null 2>&1) || true; rm -rf "$work"; }
trap cleanup EXIT
address=$(cd "$work" && "${app[@]}" start -d "${settings[@]}" | grep -oE '127\.0\.0\.1:[0-9]+' | head -1)
dotnet tests/Benchmarks/WebSocketLoad/bin/Release/net10.0/WebSocketLoad.dll push --url "ws://$address/ws" --messages "$messages"
