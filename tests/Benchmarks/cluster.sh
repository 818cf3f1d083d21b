#!/usr/bin/env bash
# Resident.Redis, measured against the same work on one node (same run): cross-node vs local WebSocket push
# (p50/p99, throughput), durable vs in-memory tasks, the cluster-cron lock per firing. Starts its own redis-server.
#   tests/Benchmarks/cluster.sh [push|tasks|cron|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=${1:-all}
command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install -y redis-server)"; exit 1; }
dotnet build -c Release tests/Benchmarks/Cluster/Cluster.csproj -v q -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
dotnet tests/Benchmarks/Cluster/bin/Release/net10.0/Cluster.dll "$scenario" "127.0.0.1:$port"
