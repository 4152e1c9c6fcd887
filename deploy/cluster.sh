#!/usr/bin/env bash
# A hotfn cluster on this machine's loopback: a throw-away PostgreSQL (Debian's postgresql) in DIR,
# NODES hotfn nodes on it (each its own HOTFN_NODE, all on this machine's Docker engine) and nginx
# in front (Debian's nginx, deploy/nginx/hotfn.conf). Everything it starts lives in DIR and is
# stopped by PID; nothing else on the machine is touched.
#
#   deploy/cluster.sh up DIR [NODES]    start PostgreSQL, NODES (3) nodes and nginx; write DIR/cluster.env
#   deploy/cluster.sh down DIR          stop all of them (nodes with SIGTERM: they remove their containers)
#   deploy/cluster.sh kill DIR N        SIGKILL node N, as in a crash (its containers stay until it is back)
#   deploy/cluster.sh start DIR N       start node N again (it removes what its dead predecessor left)
#   deploy/cluster.sh pg-up DIR         PostgreSQL alone (the store's tests use it); `down` stops it
#
# DIR/cluster.env then holds DB_URL, PG_PORT, NGINX_URL, NODES, NODE_<n>_URL and NODE_<n>_NAME.
# Environment: HOTFN_BIN (how to run hotfn: default dist/hotfn when built, else `bun src/main.ts`),
# NODE_PREFIX (node names are <prefix>-<n>; default cluster-<random>), and any hotfn setting
# (HOTFN_API_TOKEN, HOTFN_NODE_TIMEOUT, ...), which every node inherits. As root, PostgreSQL runs as
# the `postgres` user (it refuses root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ENV="$DIR/cluster.env"

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# A port nothing listens on now (ports are picked once, at `up`, and kept across restarts).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 12000)) # below Linux's ephemeral ports (32768-60999)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free port found"
}

wait_port() { # PORT SECONDS WHAT LOG [PID]
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    if [ -n "${5:-}" ] && ! kill -0 "$5" 2>/dev/null; then tail -20 "$4" >&2 || true; die "$3 exited before it listened"; fi
    [ $SECONDS -lt $deadline ] || { tail -20 "$4" >&2 || true; die "$3 did not listen on port $1 within $2 s"; }
    sleep 0.1
  done
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bin() {
  local bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
  [ -x "$bin/initdb" ] || die "no PostgreSQL server found (apt-get install -y postgresql)"
  echo "$bin"
}

pg_up() {
  local bin port
  bin=$(pg_bin)
  port=$(free_port)
  mkdir -p "$DIR/pg"
  # As root, PostgreSQL runs as `postgres`: it needs its own directory, and a way through DIR.
  if [ "$(id -u)" = 0 ]; then chmod a+x "$DIR"; chown postgres "$DIR/pg"; fi
  as_postgres "$bin/initdb" -D "$DIR/pg/data" -U postgres --auth=trust -N >"$DIR/pg/initdb.log" 2>&1 || { cat "$DIR/pg/initdb.log" >&2; die "initdb failed"; }
  as_postgres "$bin/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/postgres.log" -w -t 30 \
    -o "-p $port -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres hotfn
  { echo "PG_PORT=$port"; echo "DB_URL=postgres://postgres@127.0.0.1:$port/hotfn"; } >>"$ENV"
  say "PostgreSQL on 127.0.0.1:$port (data in $DIR/pg/data)"
}

hotfn_cmd() {
  if [ -n "${HOTFN_BIN:-}" ]; then echo "$HOTFN_BIN"
  elif [ -x "$ROOT/dist/hotfn" ]; then echo "$ROOT/dist/hotfn"
  else echo "$ROOT/node_modules/.bin/bun $ROOT/src/main.ts"; fi
}

node_start() { # N
  local n=$1 port name
  # shellcheck disable=SC1090
  source "$ENV"
  port=$(eval echo "\$NODE_${n}_PORT")
  name=$(eval echo "\$NODE_${n}_NAME")
  mkdir -p "$DIR/logs"
  # shellcheck disable=SC2046
  (cd "$DIR" && exec env DB_URL="$DB_URL" PORT="$port" HOST=127.0.0.1 HOTFN_NODE="$name" $(hotfn_cmd) serve \
    >>"$DIR/logs/node$n.log" 2>&1 </dev/null) &
  echo $! >"$DIR/node$n.pid"
  wait_port "$port" 60 "node $n ($name)" "$DIR/logs/node$n.log" "$(cat "$DIR/node$n.pid")"
  say "node $n ($name) on 127.0.0.1:$port, pid $(cat "$DIR/node$n.pid")"
}

nginx_up() {
  local port
  source "$ENV"
  port=$(free_port)
  mkdir -p "$DIR/nginx/conf" "$DIR/nginx/logs" "$DIR/nginx/tmp"
  cp "$ROOT/deploy/nginx/nginx.conf" "$ROOT/deploy/nginx/hotfn.conf" "$DIR/nginx/conf/"
  echo "listen 127.0.0.1:$port;" >"$DIR/nginx/conf/hotfn-listen.conf"
  : >"$DIR/nginx/conf/hotfn-nodes.conf"
  for n in $(seq 1 "$NODES"); do
    echo "server 127.0.0.1:$(eval echo "\$NODE_${n}_PORT") max_fails=1 fail_timeout=3s;" >>"$DIR/nginx/conf/hotfn-nodes.conf"
  done
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "no nginx found (apt-get install -y nginx)"
  PATH="$PATH:/usr/sbin" nginx -p "$DIR/nginx" -c conf/nginx.conf -e logs/error.log
  wait_port "$port" 10 nginx "$DIR/nginx/logs/error.log"
  echo "NGINX_URL=http://127.0.0.1:$port" >>"$ENV"
  say "nginx on 127.0.0.1:$port, pid $(cat "$DIR/nginx/logs/nginx.pid")"
}

pid_of() { head -1 "$1" 2>/dev/null || true; } # PIDFILE: its PID, or nothing

await_exit() { # PID: waits (up to 40 s) until the process has exited
  for _ in $(seq 1 400); do
    kill -0 "$1" 2>/dev/null || return 0
    [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0 # exited, not yet reaped
    sleep 0.1
  done
}

stop_pid() { # PIDFILE SIGNAL
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] || return 0
  kill "-$2" "$pid" 2>/dev/null && await_exit "$pid"
  rm -f "$1"
}

case "$cmd" in
  pg-up)
    : >"$ENV"
    pg_up
    ;;
  up)
    nodes=${3:-3}
    : >"$ENV"
    pg_up
    prefix=${NODE_PREFIX:-cluster-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
    echo "NODES=$nodes" >>"$ENV"
    for n in $(seq 1 "$nodes"); do
      port=$(free_port)
      { echo "NODE_${n}_PORT=$port"; echo "NODE_${n}_NAME=$prefix-$n"; echo "NODE_${n}_URL=http://127.0.0.1:$port"; } >>"$ENV"
    done
    for n in $(seq 1 "$nodes"); do node_start "$n"; done
    nginx_up
    ;;
  start)
    [ -n "${3:-}" ] || die "which node?"
    node_start "$3"
    ;;
  kill)
    [ -n "${3:-}" ] || die "which node?"
    stop_pid "$DIR/node$3.pid" KILL
    say "node $3 killed"
    ;;
  down)
    stop_pid "$DIR/nginx/logs/nginx.pid" QUIT
    # Every node at once: each lets its calls finish and removes its containers.
    pids=()
    for f in "$DIR"/node*.pid; do
      pid=$(pid_of "$f")
      [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
      rm -f "$f"
    done
    for pid in "${pids[@]}"; do await_exit "$pid"; done
    if [ -f "$DIR/pg/data/postmaster.pid" ]; then
      as_postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true
    fi
    say "stopped"
    ;;
  *)
    die "unknown command $cmd (up, down, kill, start, pg-up)"
    ;;
esac
