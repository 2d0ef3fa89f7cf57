# shellcheck shell=bash
# What the scripts share: the checkout's root, messages, building, processes stopped by PID,
# free loopback ports and a private nats-server. Sourced, never run:
#
#   set -euo pipefail
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# On load it sets wss_root and changes into it. Everything a script starts through
# wss_spawn, wss_track or wss_start_nats is stopped by its PID when the script exits
# (wss_use_tmp sets up the trap); nothing is ever signalled by name.

wss_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wss_script="$(basename "$0")"
cd "$wss_root" || exit 1

# --- messages -----------------------------------------------------------------------------
# say: a progress line on stderr. By default a blank line, then "== MESSAGE"; with
# wss_say_prefix=NAME set, "== NAME: MESSAGE" and no blank line (for scripts that print many).
wss_say_prefix=""
say() {
  if [ -n "$wss_say_prefix" ]; then
    printf '== %s: %s\n' "$wss_say_prefix" "$*" >&2
  else
    printf '\n== %s\n' "$*" >&2
  fi
}
# die: "SCRIPT: MESSAGE" on stderr, exit 1.
die() {
  printf '%s: %s\n' "$wss_script" "$*" >&2
  exit 1
}

# --- processes we start, stopped by PID ---------------------------------------------------
wss_pids=()
wss_tmp=""
wss_exit_hooks=()

# SIGTERM, and SIGCONT for a SIGSTOPped process, which would not act on SIGTERM until resumed.
wss_signal_stop() {
  kill -TERM "$1" 2>/dev/null || true
  kill -CONT "$1" 2>/dev/null || true
}

# Up to 5 s for PID to end, then SIGKILL; returns wait's status for it.
wss_reap_pid() {
  local status=0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || status=$?
  return "$status"
}

# wss_stop_pid PID: SIGTERM (and SIGCONT), up to 5 s to end, then SIGKILL. Returns its exit
# status (wait's: 128 + N when signal N ended it); 127 when it was not our child.
wss_stop_pid() {
  wss_signal_stop "$1"
  wss_reap_pid "$1"
}

# wss_wait PID: waits for a tracked PID to end, however long it takes, forgets it and returns
# its exit status. For processes that end by themselves or were just signalled.
wss_wait() {
  local status=0
  wait "$1" 2>/dev/null || status=$?
  wss_untrack "$1"
  return "$status"
}

# Stops every tracked PID (all signalled first, then each reaped), runs the exit hooks, removes
# $wss_tmp.
wss_cleanup() {
  local pid hook
  for pid in "${wss_pids[@]}"; do wss_signal_stop "$pid"; done
  for pid in "${wss_pids[@]}"; do wss_reap_pid "$pid" || true; done
  wss_pids=()
  for hook in "${wss_exit_hooks[@]}"; do "$hook" || true; done
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

# wss_at_exit FUNC: FUNC runs at exit, after the tracked PIDs are stopped and before $wss_tmp
# is removed (e.g. to unmount what a stopped process used). Its failure is ignored.
wss_at_exit() { wss_exit_hooks+=("$1"); }

# wss_track PID: stop PID at exit, for a process the caller started itself (`cmd & wss_track
# $!`) because wss_spawn's one log does not fit.
wss_track() { wss_pids+=("$1"); }

# wss_spawn LOG CMD ARGS...: starts CMD in the background, stdout and stderr to LOG, and
# tracks it; its PID is in $wss_last_pid.
wss_spawn() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  wss_last_pid=$!
  wss_track "$wss_last_pid"
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
# Benchmarks and fleet-sim on: scripts/test configures the same build/ without them.
wss_cmake_args=(-DWSS_BUILD_BENCH=ON)
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

# wss_free_port: prints a loopback port nothing listens on now. Below the kernel's ephemeral
# range (10000 up to its start), so that no outgoing connection can hold a port a connect test
# found free, and a restarted server gets its port back; above 61000 for an unusual range.
wss_free_port() {
  local p low
  low="$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] || low=61000
  for _ in $(seq 100); do
    if [ "$low" = 61000 ]; then p=$((61000 + RANDOM % 4000)); else p=$((10000 + RANDOM % (low - 10000))); fi
    wss_port_in_use "$p" || {
      echo "$p"
      return 0
    }
  done
  return 1
}

# wss_wait_port PORT [TENTHS [PID]]: waits until something accepts on PORT (default 5 s);
# gives up at once when PID, the process meant to listen, has exited.
wss_wait_port() {
  for _ in $(seq "${2:-50}"); do
    wss_port_in_use "$1" && return 0
    [ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  wss_port_in_use "$1"
}

wss_nats_server() { command -v nats-server || echo /usr/sbin/nats-server; }

# wss_start_nats LOG [PORT]: a tracked nats-server on loopback, its output appended to LOG, on
# PORT (to restart one where its clients reconnect) or else a free port. Up to 5 attempts, 0.5 s
# apart, since a killed server's port may not be free again at once (a fresh free port each
# time when none is given). Sets nats_pid, nats_port and nats_url (for the caller), or exits
# when it does not start. The caller stops a server itself with kill and wss_wait (which
# forgets it), so that cleanup never signals a PID that is no longer ours.
# Extra arguments for every server it starts go in the array wss_nats_args (e.g. JetStream).
# shellcheck disable=SC2034
wss_nats_args=()
wss_start_nats() {
  local log="$1" port="${2:-}"
  for _ in 1 2 3 4 5; do
    nats_port="$port"
    if [ -z "$nats_port" ]; then nats_port="$(wss_free_port)" || die "no free loopback port"; fi
    # Something else answering there would pass for our server below.
    if ! wss_port_in_use "$nats_port"; then
      "$(wss_nats_server)" -a 127.0.0.1 -p "$nats_port" "${wss_nats_args[@]}" >>"$log" 2>&1 &
      nats_pid=$!
      wss_track "$nats_pid"
      if wss_wait_port "$nats_port" 50 "$nats_pid" && kill -0 "$nats_pid" 2>/dev/null; then
        nats_url="nats://127.0.0.1:$nats_port"
        return 0
      fi
      wss_stop_pid "$nats_pid" || true
      wss_untrack "$nats_pid"
    fi
    sleep 0.5
  done
  die "nats-server did not start on port $nats_port (see ${log#"$wss_root"/})"
}
