#!/usr/bin/env bash
# Side-by-side benchmark: the same redis-benchmark load against redis-server and Tern in one run, then the
# memory each needs for 1,000,000 keys of 100-byte values. Prints every figure and the Tern/Redis ratio.
# Usage: bash bench/compare.sh [requests]   (needs redis-server and redis-tools; runs on loopback only)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
KEYS=${KEYS:-1000000}
CLIENTS=50

dotnet build src/Tern/Tern.csproj -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RPORT=$(free_port)
TPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
RPID=$!
dotnet src/Tern/bin/Release/net10.0/tern.dll --port "$TPORT" --bind 127.0.0.1 --save "" --dir "$work" >"$work/tern.log" 2>&1 &
TPID=$!
cleanup() { kill "$RPID" "$TPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for p in "$RPORT" "$TPORT"; do
  for _ in $(seq 1 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

rps() { # port test pipeline -> requests per second (empty when redis-benchmark gave no figure)
  local out
  if [ "$2" = xadd ]; then
    # redis-benchmark 7.0 has no built-in XADD test: run the command itself.
    out=$(redis-benchmark -p "$1" -c $CLIENTS -n "$N" -P "$3" --csv XADD bench:stream '*' field value 2>/dev/null | tail -1)
  else
    out=$(redis-benchmark -p "$1" -c $CLIENTS -n "$N" -t "$2" -P "$3" -r 100000 --csv 2>/dev/null | tail -1)
  fi
  out=$(echo "$out" | cut -d, -f2 | tr -d '"')
  case "$out" in ''|*[!0-9.]*) echo "" ;; *) echo "$out" ;; esac
}

echo "redis-benchmark, $CLIENTS clients, $N requests, $(nproc) cores, $(date -u +%Y-%m-%d)"
printf "%-8s %4s %14s %14s %7s\n" test P redis tern ratio
TESTS=${TESTS:-set get incr mset lpush lpop sadd hset zadd xadd}
for P in 1 16; do
  for t in $TESTS; do
    r=$(rps "$RPORT" $t $P)
    m=$(rps "$TPORT" $t $P)
    if [ -z "$m" ] || [ -z "$r" ]; then printf "%-8s %4s %14s %14s %7s\n" "$t" "$P" "${r:-n/a}" "${m:-n/a}" "-"; continue; fi
    printf "%-8s %4s %14.0f %14.0f %7.2f\n" "$t" "$P" "$r" "$m" "$(echo "$m / $r" | bc -l)"
  done
done

# Memory: the same 1M keys (key:0000000001 .. with 100-byte values) loaded into each with redis-cli --pipe.
python3 - "$KEYS" >"$work/load.resp" <<'PY'
import sys
n = int(sys.argv[1]); v = b"x" * 100; out = sys.stdout.buffer
for i in range(n):
    k = b"key:%010d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n" % (len(k), k, v))
PY
rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
used() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ {print $2+0}'; }
declare -A before_rss before_used after_rss after_used
for side in redis tern; do
  if [ $side = redis ]; then port=$RPORT; pid=$RPID; else port=$TPORT; pid=$TPID; fi
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" memory purge >/dev/null 2>&1 || true
  before_rss[$side]=$(rss $pid); before_used[$side]=$(used $port)
  redis-cli -p "$port" --pipe <"$work/load.resp" >/dev/null
  redis-cli -p "$port" memory purge >/dev/null 2>&1 || true
  sleep 1
  after_rss[$side]=$(rss $pid); after_used[$side]=$(used $port)
  keys=$(redis-cli -p "$port" dbsize)
  [ "$keys" = "$KEYS" ] || { echo "$side holds $keys keys, expected $KEYS"; exit 1; }
done
echo
echo "memory for $KEYS keys of 100-byte values (bytes per key; delta = after load minus empty server)"
printf "%-22s %10s %10s %7s\n" figure redis tern ratio
for f in rss used; do
  for kind in total delta; do
    if [ $f = rss ]; then ra=${after_rss[redis]}; rb=${before_rss[redis]}; ta=${after_rss[tern]}; tb=${before_rss[tern]}; name="RSS"; else ra=${after_used[redis]}; rb=${before_used[redis]}; ta=${after_used[tern]}; tb=${before_used[tern]}; name="used_memory"; fi
    if [ $kind = total ]; then r=$((ra / KEYS)); t=$((ta / KEYS)); else r=$(((ra - rb) / KEYS)); t=$(((ta - tb) / KEYS)); fi
    printf "%-22s %10d %10d %7.2f\n" "$name $kind" "$r" "$t" "$(echo "$t / $r" | bc -l)"
  done
done

# Memory per element of one big collection of each type, same elements on both servers.
echo
echo "memory per element, one collection of $KEYS elements (used_memory delta / elements)"
printf "%-8s %10s %10s %7s\n" type redis tern ratio
for type in hash set zset list stream; do
  python3 - "$KEYS" "$type" >"$work/coll.resp" <<'PY'
import sys
n = int(sys.argv[1]); t = sys.argv[2]; out = sys.stdout.buffer
def cmd(*a):
    out.write(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
for i in range(n):
    m = b"member:%010d" % i
    if t == "hash": cmd(b"HSET", b"coll", m, b"value:%010d" % i)
    elif t == "set": cmd(b"SADD", b"coll", m)
    elif t == "zset": cmd(b"ZADD", b"coll", b"%d" % i, m)
    elif t == "list": cmd(b"RPUSH", b"coll", m)
    else: cmd(b"XADD", b"coll", b"%d-1" % (i + 1), b"f", m)
PY
  line="$type"
  vals=()
  for port in "$RPORT" "$TPORT"; do
    redis-cli -p "$port" flushall >/dev/null
    redis-cli -p "$port" memory purge >/dev/null 2>&1 || true
    b=$(used "$port")
    redis-cli -p "$port" --pipe <"$work/coll.resp" >/dev/null
    redis-cli -p "$port" memory purge >/dev/null 2>&1 || true
    a=$(used "$port")
    vals+=($(((a - b) / KEYS)))
  done
  if [ "${vals[0]}" -gt 0 ]; then ratio=$(echo "${vals[1]} / ${vals[0]}" | bc -l); else ratio=0; fi
  printf "%-8s %10d %10d %7.2f\n" "$type" "${vals[0]}" "${vals[1]}" "$ratio"
done
