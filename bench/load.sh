#!/usr/bin/env bash
# Bounded load on /api/match (bench/load.py): N requests from C clients for each C, printing req/s, p50/p90/p99,
# errors and the app's RSS before/after each step. Either against a running app (--url URL [--pid PID]) or an app this
# script starts over a data directory and stops afterwards:
#
#   bench/load.sh --data /path/to/data [--dll publish/Lookalike.Web.dll] [--requests 400] [--clients 1,4,8,16] [--probes DIR]
#
# Started here: the published dll in Production if --dll is given, else `dotnet run -c Release`; on a free loopback
# port, with the per-client rate limit on /api/match turned off (Lookalike__RateLimits__MatchPerMinute=0), since all
# the bench's clients share one address. Exits 1 on any error, 2 if the app never became ready.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
url="" pid="" data="" dll="" rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --pid) pid="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --dll) dll="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done

app=""
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null; true; }
trap cleanup EXIT
if [ -z "$url" ]; then
  [ -n "$data" ] || { echo "usage: $0 --url URL [--pid PID] | --data DIR [--dll DLL]  [--requests N] [--clients 1,4,8] [--probes DIR]" >&2; exit 2; }
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  url="http://127.0.0.1:$port"
  log="$(mktemp)"
  echo "# starting the app on $url over $data (rate limit on /api/match off for the bench; log $log)" >&2
  export Lookalike__DataDirectory="$(cd "$data" && pwd)" Lookalike__RateLimits__MatchPerMinute=0
  if [ -n "$dll" ]; then
    ASPNETCORE_ENVIRONMENT=Production dotnet "$dll" --urls "$url" >"$log" 2>&1 &
  else
    dotnet build -c Release "$ROOT/src/Lookalike.Web" -v q -nologo >&2
    dotnet "$ROOT/src/Lookalike.Web/bin/Release/net10.0/Lookalike.Web.dll" --urls "$url" >"$log" 2>&1 &
  fi
  app=$!
  pid="$app"
  for _ in $(seq 1 120); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz/ready" || true)"
    [ "$code" = 200 ] && break
    kill -0 "$app" 2>/dev/null || { echo "the app exited:" >&2; cat "$log" >&2; exit 2; }
    sleep 1
  done
  [ "$code" = 200 ] || { echo "the app was not ready after 120 s" >&2; exit 2; }
fi
python3 "$HERE/load.py" --url "$url" ${pid:+--pid "$pid"} "${rest[@]}"
