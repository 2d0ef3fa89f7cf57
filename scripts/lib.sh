# shellcheck shell=bash
# What the scripts share: the checkout's root, messages, building, processes stopped by PID,
# free loopback ports and a private nats-server. Sourced, never run:
#
#   set -euo pipefail
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# On load it sets wss_root and changes into it. Everything a script starts through
# wss_spawn or wss_start_nats is stopped by its PID when the script exits (wss_use_tmp sets
# up the trap); nothing is ever signalled by name.

wss_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wss_script="$(basename "$0")"
cd "$wss_root" || exit 1

# --- messages -----------------------------------------------------------------------------
say() { printf '\n== %s\n' "$*" >&2; }
die() {
  echo "$wss_script: $*" >&2
  exit 1
}

# --- processes we start, stopped by PID ---------------------------------------------------
wss_pids=()
wss_tmp=""

# wss_stop_pid PID: SIGTERM, up to 5 s to end, then SIGKILL. Returns its exit status (wait's:
# 128 + N when signal N ended it); 127 when it was not our child.
wss_stop_pid() {
  local status=0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || status=$?
  return "$status"
}

wss_cleanup() {
  local pid
  for pid in "${wss_pids[@]}"; do wss_stop_pid "$pid" || true; done
  wss_pids=()
  if [ -n "$wss_tmp" ]; then rm -rf "$wss_tmp"; fi
}

# wss_use_tmp NAME: makes the scratch dir $wss_tmp (/tmp/wss-NAME.XXXXXX) and installs the
# traps that stop every tracked PID and remove it on exit. Once per script, before starting
# anything.
wss_use_tmp() {
  wss_tmp="$(mktemp -d "/tmp/wss-$1.XXXXXX")"
  trap wss_cleanup EXIT
  trap 'exit 130' INT TERM
}

# wss_spawn LOG CMD ARGS...: starts CMD in the background, stdout and stderr to LOG, and
# tracks it; its PID is in $wss_last_pid.
wss_spawn() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  wss_last_pid=$!
  wss_pids+=("$wss_last_pid")
}

# wss_untrack PID: forget PID (after wss_stop_pid), so cleanup does not wait for it again.
wss_untrack() {
  local pid kept=()
  for pid in "${wss_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  wss_pids=("${kept[@]}")
}

# --- build --------------------------------------------------------------------------------
# wss_build DIR JOBS TARGET...: configures DIR (every time: a tree from an older checkout may
# not know today's targets) with the extra cmake arguments in the array wss_cmake_args, then
# builds TARGET... (all when none). Quiet; on failure prints the log's tail and exits.
wss_cmake_args=()
wss_build() {
  local dir="$1" jobs="$2" log
  shift 2
  log="$(mktemp "/tmp/wss-build.XXXXXX")"
  local targets=()
  [ $# -eq 0 ] || targets=(--target "$@")
  if ! { cmake -S . -B "$dir" "${wss_cmake_args[@]}" &&
    cmake --build "$dir" -j"$jobs" "${targets[@]}"; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    rm -f "$log"
    die "build failed in $dir (log tail above)"
  fi
  rm -f "$log"
}

# --- loopback ports and a private nats-server ---------------------------------------------
wss_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wss_free_port: prints a loopback port nothing listens on now (random in 20000-59999).
wss_free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    wss_port_in_use "$p" || {
      echo "$p"
      return 0
    }
  done
  return 1
}

# wss_wait_port PORT [TENTHS]: waits until something accepts on PORT (default 5 s).
wss_wait_port() {
  for _ in $(seq "${2:-50}"); do
    wss_port_in_use "$1" && return 0
    sleep 0.1
  done
  wss_port_in_use "$1"
}

wss_nats_server() { command -v nats-server || echo /usr/sbin/nats-server; }

# wss_start_nats LOG: a nats-server on a free loopback port, its output appended to LOG;
# sets nats_pid and nats_url (for the caller), or exits when it does not start.
# shellcheck disable=SC2034
wss_start_nats() {
  local log="$1" port
  port="$(wss_free_port)" || die "no free loopback port"
  "$(wss_nats_server)" -a 127.0.0.1 -p "$port" >>"$log" 2>&1 &
  nats_pid=$!
  wss_pids+=("$nats_pid")
  wss_wait_port "$port" || die "nats-server did not start (see ${log#"$wss_root"/})"
  nats_url="nats://127.0.0.1:$port"
}
