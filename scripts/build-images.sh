#!/usr/bin/env bash
# Builds the test function images (hotfn-test/*:latest, labelled hotfn.test=1) from files on this
# machine — no registry: the Bun program in images/fn compiled with `bun build --compile` plus the
# shared libraries ldd lists, and the static busybox, each turned into an image with `docker import`.
#
# Idempotent and quick: images carry a hash of their sources (label hotfn.test.src) and are rebuilt
# only when it changed. `--force` (or FORCE=1) rebuilds anyway. Concurrent runs serialise on a lock.
#
# Images (the Bun ones take their framing from FN_FORMAT, so each works in every format):
#   hotfn-test/echo     echo the body; body "env" → env as JSON, "request" → request as JSON
#                       (http-stream: config SWAP_TARGET + body "swap" repoints its socket links)
#   hotfn-test/sleep    sleep N ms (body, or config SLEEP_MS) then answer
#   hotfn-test/hog      allocate memory until OOM-killed
#   hotfn-test/crash    exit 3 (config EXIT_CODE) in the middle of a call
#   hotfn-test/log      write lines to stderr, answer "logged"
#   hotfn-test/count    answer {"calls":N,"hostname":H} (calls served by this container)
#   hotfn-test/garbage  answer bytes that break the hot formats' framing
#   hotfn-test/bb-echo  busybox `cat` (default format): the smallest possible function
#   hotfn-test/noop     a static C no-op in every format (images/noop), for benchmarks; built
#                       when gcc is there
# http-stream runs through the official @fnproject/fdk in all Bun images.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/images/fn"
BUN="$ROOT/node_modules/.bin/bun"
[ -x "$BUN" ] || BUN=$(command -v bun)
MODES="echo sleep hog crash log count garbage"
FORCE=${FORCE:-0}
[ "${1:-}" = "--force" ] && FORCE=1

exec 9>/tmp/hotfn-build-images.lock
flock 9
# Containers a run that was killed mid-way left behind (only this script names them so; we hold the lock).
# By name, not label: a label would be committed into the images and so land on every function container.
leftover=$(docker ps -aq --filter name=^hotfn-build-tmp-)
[ -z "$leftover" ] || docker rm -f $leftover >/dev/null

if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
  echo "build-images: installing busybox-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null
fi

src_hash() {
  { "$BUN" --version; cat "$0"; cat "$SRC"/*.ts "$SRC/package-lock.json" "$ROOT/images/noop/noop.c"; } | sha256sum | cut -c1-16
}
HASH=$(src_hash)

current() { # prints "yes" when image $1 exists with the current source hash
  [ "$(docker image inspect -f '{{index .Config.Labels "hotfn.test.src"}}' "$1" 2>/dev/null || true)" = "$HASH" ] && echo yes || true
}

IMAGES="fn-base $MODES bb-echo"
command -v gcc >/dev/null 2>&1 && IMAGES="$IMAGES noop"
need=0
for name in $IMAGES; do
  [ "$FORCE" = 1 ] || [ -z "$(current "hotfn-test/$name:latest")" ] && need=1
done
if [ "$need" = 0 ]; then
  echo "build-images: all images are current ($HASH)"
  exit 0
fi

work=$(mktemp -d /tmp/hotfn-images.XXXXXX)
cleanup() {
  rm -rf "$work"
  tmp=$(docker ps -aq --filter name=^hotfn-build-tmp-)
  [ -z "$tmp" ] || docker rm -f $tmp >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the Bun program: executable + the libraries ldd lists, in an otherwise empty root ---
if [ ! -d "$SRC/node_modules/@fnproject/fdk" ]; then
  (cd "$SRC" && npm ci --no-audit --no-fund --loglevel=error)
fi
"$BUN" build --compile "$SRC/main.ts" --outfile "$work/fn" >/dev/null
mkdir -p "$work/root/tmp"
cp "$work/fn" "$work/root/fn"
for lib in $(ldd "$work/fn" | grep -o '/[^ ]*'); do
  mkdir -p "$work/root$(dirname "$lib")"
  cp -L "$lib" "$work/root$lib"
done
chmod 1777 "$work/root/tmp"
tar -C "$work/root" -c . | docker import \
  --change 'ENTRYPOINT ["/fn"]' --change 'ENV MODE=echo' \
  --change 'LABEL hotfn.test=1' --change "LABEL hotfn.test.src=$HASH" \
  - hotfn-test/fn-base:latest >/dev/null

# One image per mode: the base plus an ENV, committed from a created (never started) container so
# the 100 MB layer is shared.
cid=$(docker create --name "hotfn-build-tmp-$$" hotfn-test/fn-base:latest)
for mode in $MODES; do
  docker commit --change "ENV MODE=$mode" "$cid" "hotfn-test/$mode:latest" >/dev/null &
done
wait
docker rm "$cid" >/dev/null

# --- busybox: a static binary alone ---
mkdir -p "$work/bb/bin"
cp /bin/busybox "$work/bb/bin/busybox"
tar -C "$work/bb" -c . | docker import \
  --change 'ENTRYPOINT ["/bin/busybox", "cat"]' \
  --change 'LABEL hotfn.test=1' --change "LABEL hotfn.test.src=$HASH" \
  - hotfn-test/bb-echo:latest >/dev/null

# --- the static C no-op: one binary, an empty /tmp ---
if command -v gcc >/dev/null 2>&1; then
  mkdir -p "$work/noop/tmp"
  chmod 1777 "$work/noop/tmp"
  gcc -O2 -static -o "$work/noop/noop" "$ROOT/images/noop/noop.c"
  tar -C "$work/noop" -c . | docker import \
    --change 'ENTRYPOINT ["/noop"]' \
    --change 'LABEL hotfn.test=1' --change "LABEL hotfn.test.src=$HASH" \
    - hotfn-test/noop:latest >/dev/null
fi

# Old versions of these tags are now dangling; remove those of ours only.
docker image prune -f --filter label=hotfn.test=1 >/dev/null || true
echo "build-images: built hotfn-test/{${IMAGES// /,}} ($HASH)"
