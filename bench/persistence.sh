#!/usr/bin/env bash
# RDB persistence, side by side: the same KEYS keys of mixed types in redis-server and Tern, then
#   1. SAVE time (each writes its dump.rdb),
#   2. load time (DEBUG RELOAD NOSAVE: read the file back into memory),
#   3. peak memory growth during BGSAVE while redis-benchmark writes (PSS of Redis's parent + fork child, PSS of
#      Tern; PSS counts pages shared by parent and child once, so it is the real cost of the fork's copy-on-write),
# and prints the Tern/Redis ratios. Targets (issue 4): save and load <= 1.0x Redis; growth <= 10% of the dataset.
# Usage: bash bench/persistence.sh [keys]   (default 1,000,000; loopback only; needs redis-server, redis-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}
WRITERS=${WRITERS:-20}

dotnet build src/Tern/Tern.csproj -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
mkdir -p "$work/redis" "$work/tern"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RPORT=$(free_port)
TPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" --daemonize no \
  --enable-debug-command yes >"$work/redis.log" 2>&1 &
RPID=$!
dotnet src/Tern/bin/Release/net10.0/tern.dll --port "$TPORT" --bind 127.0.0.1 --save "" --dir "$work/tern" \
  --enable-debug-command yes >"$work/tern.log" 2>&1 &
TPID=$!
BPID=""
cleanup() { kill $BPID "$RPID" "$TPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for p in "$RPORT" "$TPORT"; do
  for _ in $(seq 1 100); do redis-cli -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done

# Mixed types: 60% strings (int, short, 100 bytes), 10% each lists, hashes, sets, sorted sets (10 elements),
# all small enough for the compact encodings; 1% of keys have a TTL.
python3 - "$KEYS" >"$work/load.resp" <<'PY'
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for i in range(n):
    k = b"key:%010d" % i
    t = i % 10
    if t < 2: cmd(b"SET", k, b"%d" % i)
    elif t < 4: cmd(b"SET", k, b"value-%d" % i)
    elif t < 6: cmd(b"SET", k, b"v" * 100)
    elif t == 6: cmd(b"RPUSH", k, *[b"e%d" % j for j in range(10)])
    elif t == 7: cmd(b"HSET", k, *sum([[b"f%d" % j, b"%d" % (i + j)] for j in range(10)], []))
    elif t == 8: cmd(b"SADD", k, *[b"m%d" % (j * 7) for j in range(10)])
    else: cmd(b"ZADD", k, *sum([[b"%d.5" % j, b"z%d" % j] for j in range(10)], []))
    if i % 100 == 0: cmd(b"EXPIRE", k, b"100000")
PY
for p in "$RPORT" "$TPORT"; do redis-cli -p "$p" --pipe <"$work/load.resp" >/dev/null; done
echo "persistence: $KEYS keys of mixed types, $(nproc) cores, $(date -u +%Y-%m-%d)"
for p in "$RPORT" "$TPORT"; do
  d1=$(redis-cli -p "$p" debug digest); echo "port $p dbsize $(redis-cli -p "$p" dbsize) digest $d1"
done

now() { date +%s.%N; }
timed() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }
ratio() { echo "$1 / $2" | bc -l; }

# One untimed round first: Tern's code is compiled at first use (tiered JIT), a long-running server has it warm.
for p in "$RPORT" "$TPORT"; do redis-cli -p "$p" save >/dev/null; redis-cli -p "$p" debug reload nosave >/dev/null; done
rsave=$(timed redis-cli -p "$RPORT" save)
tsave=$(timed redis-cli -p "$TPORT" save)
rsize=$(stat -c %s "$work/redis/dump.rdb"); tsize=$(stat -c %s "$work/tern/dump.rdb")
rload=$(timed redis-cli -p "$RPORT" debug reload nosave)
tload=$(timed redis-cli -p "$TPORT" debug reload nosave)
[ "$(redis-cli -p "$RPORT" debug digest)" = "$(redis-cli -p "$TPORT" debug digest)" ] && same=yes || same=NO
printf "%-22s %14s %14s %7s\n" figure redis tern ratio
printf "%-22s %14.3f %14.3f %7.2f\n" "SAVE seconds" "$rsave" "$tsave" "$(ratio "$tsave" "$rsave")"
printf "%-22s %14.3f %14.3f %7.2f\n" "load seconds" "$rload" "$tload" "$(ratio "$tload" "$rload")"
printf "%-22s %14d %14d %7.2f\n" "file bytes" "$rsize" "$tsize" "$(ratio "$tsize" "$rsize")"
echo "digests equal after reload: $same"
if command -v redis-check-rdb >/dev/null; then
  redis-check-rdb "$work/tern/dump.rdb" | grep -E "RDB looks OK|ERR|error" || true
fi

# Memory growth during BGSAVE under a write load. PSS in bytes of a process and of its children.
pss_tree() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    local k; k=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${k:-0} * 1024))
  done
  echo $total
}
growth() { # pid port -> "peak_growth_bytes base_bytes seconds"
  local pid=$1 port=$2 base peak cur t0 t1
  redis-benchmark -p "$port" -c "$WRITERS" -n 100000000 -t set -r "$KEYS" -d 100 -q >/dev/null 2>&1 &
  BPID=$!
  sleep 2
  base=$(pss_tree "$pid"); peak=$base
  t0=$(now)
  redis-cli -p "$port" bgsave >/dev/null
  while :; do
    cur=$(pss_tree "$pid"); [ "$cur" -gt "$peak" ] && peak=$cur
    redis-cli -p "$port" info persistence | grep -q '^rdb_bgsave_in_progress:1' || break
    sleep 0.01
  done
  t1=$(now)
  kill "$BPID" 2>/dev/null || true; wait "$BPID" 2>/dev/null || true; BPID=""
  echo "$((peak - base)) $base $(echo "$t1 - $t0" | bc -l)"
}
read -r rgrow rbase rbg < <(growth "$RPID" "$RPORT")
read -r tgrow tbase tbg < <(growth "$TPID" "$TPORT")
rcow=$(redis-cli -p "$RPORT" info persistence | awk -F: '/^rdb_last_cow_size:/ {print $2+0}')
tcow=$(redis-cli -p "$TPORT" info persistence | awk -F: '/^rdb_last_cow_size:/ {print $2+0}')
rused=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
tused=$(redis-cli -p "$TPORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
printf "%-22s %14d %14d %7.2f\n" "BGSAVE PSS growth" "$rgrow" "$tgrow" "$(ratio "$tgrow" "$((rgrow > 0 ? rgrow : 1))")"
printf "%-22s %14.1f %14.1f\n" "growth % of PSS" "$(echo "100 * $rgrow / $rbase" | bc -l)" "$(echo "100 * $tgrow / $tbase" | bc -l)"
printf "%-22s %14d %14d\n" "rdb_last_cow_size" "$rcow" "$tcow"
printf "%-22s %14.1f %14.1f\n" "cow % of used_memory" "$(echo "100 * $rcow / $rused" | bc -l)" "$(echo "100 * $tcow / $tused" | bc -l)"
printf "%-22s %14.3f %14.3f\n" "BGSAVE seconds" "$rbg" "$tbg"
