#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io and starts dockerd when none does.
# Used by .ci/run and the README. Safe to run again: it does nothing when an engine answers.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "docker: an engine already answers"
  exit 0
fi

# A dockerd that is still starting or stopping: wait for it to answer or to be gone (a second one
# would not start beside it).
for _ in $(seq 1 120); do
  pgrep -x dockerd >/dev/null 2>&1 || break
  if docker info >/dev/null 2>&1; then
    echo "docker: an engine answers"
    exit 0
  fi
  sleep 0.5
done

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

log=${DOCKERD_LOG:-/tmp/hotfn-dockerd.log}
# No registry or bridge network is reachable here; functions run with NetworkMode none.
nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 &
echo $! >/tmp/hotfn-dockerd.pid
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker: engine started (pid $(cat /tmp/hotfn-dockerd.pid), log $log)"
    exit 0
  fi
  sleep 0.5
done
echo "docker: dockerd did not answer within 30 s; see $log" >&2
tail -20 "$log" >&2 || true
exit 1
