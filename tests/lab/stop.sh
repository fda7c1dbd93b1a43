#!/usr/bin/env bash
# tests/lab/stop.sh [--purge] -- stop the OutlookOAuth lab started by tests/lab/start.sh.
# Stops the authority, Postfix and Dovecot by the PIDs in their pid files (SIGTERM, then SIGKILL
# after 10 s; a zombie counts as stopped; each master takes its children down), then waits until
# the ports are closed. Never pkill/killall.
#   --purge   also delete $OUTLOOKOAUTH_LAB_DIR (default /tmp/outlookoauth-lab)
# Exit status 0 when everything is stopped (also when nothing was running).
set -uo pipefail

LAB_DIR=${OUTLOOKOAUTH_LAB_DIR:-/tmp/outlookoauth-lab}
LAB_DIR=${LAB_DIR%/}
PURGE=no
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=yes ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
  esac
done

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
case "$LAB_DIR" in /?*) ;; *) log "ERROR: OUTLOOKOAUTH_LAB_DIR must be an absolute path other than /"; exit 2 ;; esac

RUN_DIR="$LAB_DIR/run"
ENV_FILE="$LAB_DIR/lab.env"

# Serialize with start.sh (which sets _OUTLOOKOAUTH_LAB_LOCKED when it calls us with the lock held).
if [ -z "${_OUTLOOKOAUTH_LAB_LOCKED:-}" ] && [ -d "$(dirname "$LAB_DIR")" ]; then
  exec 9>>"$LAB_DIR.lock"
  flock -w 600 9 || { log "ERROR: another start.sh/stop.sh holds $LAB_DIR.lock"; exit 1; }
fi

pid_of() { { tr -dc 0-9 <"$1"; } 2>/dev/null || true; }
# Running (not a zombie) and really that program? The daemons double-fork, so their parent is
# PID 1; where PID 1 reaps slowly an exited master lingers as a zombie (state Z): count it as stopped.
alive() { # pid comm-regex [cmdline-substring]
  local comm state
  [ -n "$1" ] && comm=$(cat "/proc/$1/comm" 2>/dev/null) && [[ $comm =~ $2 ]] || return 1
  if [ -n "${3:-}" ]; then tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$3" || return 1; fi
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
stopped_any=no
stop_pid() { # name pid comm-regex [cmdline-substring]
  local name=$1 pid=$2
  if ! alive "$pid" "$3" "${4:-}"; then
    [ -z "$pid" ] || log "$name: pid $pid not running"
    return 0
  fi
  stopped_any=yes
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do
    alive "$pid" "$3" "${4:-}" || { log "$name: pid $pid stopped"; return 0; }
    sleep 0.1
  done
  log "$name: pid $pid ignored SIGTERM for 10 s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 1 20); do
    alive "$pid" "$3" "${4:-}" || return 0
    sleep 0.1
  done
  log "$name: pid $pid survived SIGKILL"
  return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

rc=0
# Ports to wait for: from lab.env when present, else the current settings.
IMAP_PORT=$(sed -n 's/^export OUTLOOKOAUTH_LAB_IMAP_PORT=//p' "$ENV_FILE" 2>/dev/null)
SMTP_PORT=$(sed -n 's/^export OUTLOOKOAUTH_LAB_SMTP_PORT=//p' "$ENV_FILE" 2>/dev/null)
IMAP_PORT=${IMAP_PORT:-${OUTLOOKOAUTH_LAB_IMAP_PORT:-19993}}
SMTP_PORT=${SMTP_PORT:-${OUTLOOKOAUTH_LAB_SMTP_PORT:-10587}}
AUTH_PORT=$(sed -n 's|^https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$RUN_DIR/authority.url" 2>/dev/null)

# Consumers must not use a lab that is going away.
rm -f "$ENV_FILE"

stop_pid authority "$(pid_of "$RUN_DIR/authority.pid")" '^dotnet$' 'OutlookOAuth.TestAuthority.dll' || rc=1
# Postfix before Dovecot: it delivers into Dovecot over LMTP.
stop_pid postfix "$(pid_of "$LAB_DIR/state/postfix-spool/pid/master.pid")" '^master$' || rc=1
stop_pid dovecot "$(pid_of "$RUN_DIR/dovecot/master.pid")" '^dovecot$' || rc=1
# Postfix leaves its pid file behind; a stale one would only cause "not running" noise next time.
[ "$rc" != 0 ] || rm -f "$RUN_DIR/authority.pid" "$RUN_DIR/authority.url" "$RUN_DIR/fingerprint" \
  "$LAB_DIR/state/postfix-spool/pid/master.pid"

# Children exit shortly after their master; wait until the ports are closed. (Only when something
# was running: a port of a lab that was not running may belong to someone else.)
if [ "$stopped_any" != yes ]; then IMAP_PORT='' SMTP_PORT='' AUTH_PORT=''; fi
for port in $IMAP_PORT $SMTP_PORT $AUTH_PORT; do
  for _ in $(seq 1 100); do
    port_open "$port" || break
    sleep 0.1
  done
  if port_open "$port"; then log "port 127.0.0.1:$port is still open"; rc=1; fi
done

if [ "$PURGE" = yes ]; then
  if [ "$rc" != 0 ]; then
    log "not purging $LAB_DIR: something is still running"
  elif [ -d "$LAB_DIR" ] && [ -n "$(ls -A "$LAB_DIR")" ] && [ ! -e "$LAB_DIR/.outlookoauth-lab" ]; then
    log "not purging $LAB_DIR: it was not made by start.sh"; rc=1
  else
    rm -rf "$LAB_DIR"
    [ -n "${_OUTLOOKOAUTH_LAB_LOCKED:-}" ] || rm -f "$LAB_DIR.lock"
    log "removed $LAB_DIR"
  fi
fi
exit $rc
