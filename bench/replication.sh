#!/usr/bin/env bash
# Replication benchmark, Tern against a redis-server replica in the same run (issue 5):
#  1. full sync time of KEYS keys (DEBUG POPULATE, 100-byte values) from a redis-server primary into a fresh
#     redis-server replica and into a fresh Tern (REPLICAOF until master_link_status:up and offsets equal);
#  2. replication lag under a sustained redis-benchmark write load with both replicas attached: bytes
#     (primary master_repl_offset - replica slave_repl_offset, sampled every 50 ms) and milliseconds (how long
#     after the primary reached an offset the replica reached it).
# Prints every figure and the Tern/Redis ratio (targets: sync time <= 1.0, lag <= 1.0).
# Usage: bash bench/replication.sh [keys] [benchmark-requests]   (loopback only; needs redis-server, redis-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}
LOADN=${2:-2000000}
DISKLESS=${DISKLESS:-yes}

dotnet build src/Tern/Tern.csproj -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PPORT=$(free_port); RPORT=$(free_port); TPORT=$(free_port)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
start_redis() { # port dir
  mkdir -p "$2"
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --dir "$2" --daemonize no \
    --enable-debug-command yes --repl-diskless-sync "$DISKLESS" --repl-diskless-sync-delay 0 \
    --client-output-buffer-limit "replica 0 0 0" >"$2/redis.log" 2>&1 &
  pids+=($!)
}
start_tern() { # port dir
  mkdir -p "$2"
  dotnet src/Tern/bin/Release/net10.0/tern.dll --port "$1" --bind 127.0.0.1 --save "" --dir "$2" --enable-debug-command yes >"$2/tern.log" 2>&1 &
  pids+=($!)
}
wait_ping() { for _ in $(seq 1 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return; sleep 0.05; done; echo "port $1 not up"; exit 1; }
field() { redis-cli -p "$1" info replication | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
now_ms() { date +%s%3N; }

start_redis "$PPORT" "$work/primary"; wait_ping "$PPORT"
redis-cli -p "$PPORT" debug populate "$KEYS" key 100 >/dev/null
echo "primary: $(redis-cli -p "$PPORT" dbsize) keys, diskless=$DISKLESS, $(nproc) cores, $(date -u +%Y-%m-%d)"

# ---- 1. full sync time ----
sync_time() { # port -> ms from REPLICAOF to link up with equal offsets
  local t0 t1
  t0=$(now_ms)
  redis-cli -p "$1" replicaof 127.0.0.1 "$PPORT" >/dev/null
  while true; do
    if [ "$(field "$1" master_link_status)" = up ] && [ "$(field "$1" slave_repl_offset)" = "$(field "$PPORT" master_repl_offset)" ]; then break; fi
    sleep 0.02
  done
  t1=$(now_ms)
  echo $((t1 - t0))
}
start_redis "$RPORT" "$work/replica"; wait_ping "$RPORT"
start_tern "$TPORT" "$work/tern"; wait_ping "$TPORT"
# Warm-up: one small sync from another primary on both replicas (Tern's code paths get compiled), then both
# become empty primaries again, so the timed sync starts from the same state on both sides.
WPORT=$(free_port)
start_redis "$WPORT" "$work/warmup"; wait_ping "$WPORT"
redis-cli -p "$WPORT" debug populate 20000 warm 100 >/dev/null
for p in "$RPORT" "$TPORT"; do
  redis-cli -p "$p" replicaof 127.0.0.1 "$WPORT" >/dev/null
  until [ "$(field "$p" master_link_status)" = up ]; do sleep 0.05; done
  redis-cli -p "$p" replicaof no one >/dev/null
  redis-cli -p "$p" flushall >/dev/null
done
r_ms=$(sync_time "$RPORT")
t_ms=$(sync_time "$TPORT")
for p in "$RPORT" "$TPORT"; do
  n=$(redis-cli -p "$p" dbsize)
  [ "$n" = "$KEYS" ] || { echo "replica on $p holds $n keys, expected $KEYS"; exit 1; }
done
[ "$(redis-cli -p "$PPORT" debug digest)" = "$(redis-cli -p "$TPORT" debug digest)" ] || { echo "digest differs after the sync"; exit 1; }
echo
printf "%-28s %10s %10s %7s\n" figure redis tern ratio
printf "%-28s %10d %10d %7.2f\n" "full sync ms ($KEYS keys)" "$r_ms" "$t_ms" "$(echo "$t_ms / $r_ms" | bc -l)"

# ---- 2. lag under load ----
redis-benchmark -p "$PPORT" -c 50 -n "$LOADN" -P 16 -r 1000000 -t set,incr,lpush,hset,sadd >/dev/null 2>&1 &
bpid=$!
pids+=($bpid)
python3 - "$PPORT" "$RPORT" "$TPORT" "$bpid" <<'PY' >"$work/lag.txt"
import os, socket, sys, time
ports = [int(a) for a in sys.argv[1:4]]; bench = int(sys.argv[4])
def conn(p):
    s = socket.create_connection(("127.0.0.1", p)); return s
socks = [conn(p) for p in ports]
def info(s):
    s.sendall(b"*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n")
    buf = b""
    while b"\r\n" not in buf: buf += s.recv(65536)
    n = int(buf[1:buf.index(b"\r\n")]); head = buf.index(b"\r\n") + 2
    while len(buf) < head + n + 2: buf += s.recv(65536)
    d = {}
    for line in buf[head:head + n].decode().split("\r\n"):
        if ":" in line: k, v = line.split(":", 1); d[k] = v
    return d
def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f: return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError): return False
samples = []  # (t, primary offset, redis offset, tern offset)
while True:
    t = time.monotonic()
    p = int(info(socks[0])["master_repl_offset"])
    r = int(info(socks[1])["slave_repl_offset"]); m = int(info(socks[2])["slave_repl_offset"])
    samples.append((t, p, r, m))
    if not alive(bench) and r == p and m == p and len(samples) > 5: break
    time.sleep(0.05)
def lag_ms(idx):
    out = []
    for i, (t, p, *_ ) in enumerate(samples):
        for t2, _, *rs in samples[i:]:
            if rs[idx] >= p: out.append((t2 - t) * 1000); break
    return out
for name, idx in (("redis", 0), ("tern", 1)):
    b = [s[1] - s[2 + idx] for s in samples]
    ms = lag_ms(idx)
    print(name, sum(b) / len(b), max(b), sum(ms) / len(ms), max(ms))
PY
read -r _ rb_avg rb_max rm_avg rm_max < <(grep '^redis' "$work/lag.txt")
read -r _ tb_avg tb_max tm_avg tm_max < <(grep '^tern' "$work/lag.txt")
ratio() { if [ "$(echo "$1 == 0" | bc -l)" = 1 ]; then echo "-"; else printf "%.2f" "$(echo "$2 / $1" | bc -l)"; fi; }
printf "%-28s %10.0f %10.0f %7s\n" "lag bytes avg" "$rb_avg" "$tb_avg" "$(ratio "$rb_avg" "$tb_avg")"
printf "%-28s %10.0f %10.0f %7s\n" "lag bytes max" "$rb_max" "$tb_max" "$(ratio "$rb_max" "$tb_max")"
printf "%-28s %10.1f %10.1f %7s\n" "lag ms avg (50 ms samples)" "$rm_avg" "$tm_avg" "$(ratio "$rm_avg" "$tm_avg")"
printf "%-28s %10.1f %10.1f %7s\n" "lag ms max" "$rm_max" "$tm_max" "$(ratio "$rm_max" "$tm_max")"
[ "$(redis-cli -p "$PPORT" debug digest)" = "$(redis-cli -p "$TPORT" debug digest)" ] && echo "digest equal after the load" || { echo "digest differs after the load"; exit 1; }
