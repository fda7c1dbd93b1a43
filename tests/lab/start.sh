#!/usr/bin/env bash
# tests/lab/start.sh -- the OutlookOAuth lab: real mail servers on loopback that accept Entra-shaped
# OAuth 2.0 bearer tokens (XOAUTH2 / OAUTHBEARER) signed by the lab authority's key.
#
#   Dovecot 2.3 (Debian 12)  IMAPS       127.0.0.1:$OUTLOOKOAUTH_LAB_IMAP_PORT (19993), implicit TLS
#   Postfix 3.7 (Debian 12)  submission  127.0.0.1:$OUTLOOKOAUTH_LAB_SMTP_PORT (10587), STARTTLS required,
#                            SASL through Dovecot, delivery to Dovecot over LMTP, other domains discarded
#   OutlookOAuth.TestAuthority  HTTPS    127.0.0.1:<ephemeral>, Entra-shaped authority (when built)
#
# Run as root. Installs dovecot-core dovecot-imapd dovecot-lmtpd postfix (and openssl) when missing.
# All state lives in $OUTLOOKOAUTH_LAB_DIR (default /tmp/outlookoauth-lab).
# stdout: exactly one line, the path of $OUTLOOKOAUTH_LAB_DIR/lab.env (export lines). Progress: stderr.
#
# Idempotent: when the lab is already up, healthy and started from the same scripts, settings and
# authority sources, it is left up (same secrets) and lab.env is printed again. Otherwise (or with
# --restart / OUTLOOKOAUTH_LAB_RESTART=1) the old lab is stopped and a fresh one started (new CA,
# keys, client secret and password). Concurrent starts/stops are serialized with flock.
# On failure it prints the reason and stops whatever it started. Stop with tests/lab/stop.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TEMPLATES="$HERE/mail"

LAB_DIR=${OUTLOOKOAUTH_LAB_DIR:-/tmp/outlookoauth-lab}
LAB_DIR=${LAB_DIR%/}
IMAP_PORT=${OUTLOOKOAUTH_LAB_IMAP_PORT:-19993}
SMTP_PORT=${OUTLOOKOAUTH_LAB_SMTP_PORT:-10587}
RESTART=${OUTLOOKOAUTH_LAB_RESTART:-0}
for arg in "$@"; do
  case "$arg" in
    --restart) RESTART=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
    *) echo "usage: $0 [--restart]" >&2; exit 2 ;;
  esac
done

# ---- the lab's fixed identity (other code relies on these exact values)
KEY_ID=lab-rs256
ISSUER=https://sts.lab.outlookoauth.invalid/
CLIENT_ID=3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f
TENANT_ID=7e1c5a3b-2d4f-4a6b-8c9d-0e1f2a3b4c5d
USERS=alice@example.com,bob@example.com
DOMAINS=example.com
IMAP_SCOPE=IMAP.AccessAsUser.All
SMTP_SCOPE=SMTP.Send
MAIL_USER=outlookoauth-lab   # system user owning the Maildirs
PACKAGES=(dovecot-core dovecot-imapd dovecot-lmtpd postfix)
AUTHORITY_PROJECT="$REPO/tests/OutlookOAuth.TestAuthority"

CONF_DIR="$LAB_DIR/etc"
RUN_DIR="$LAB_DIR/run"
STATE_DIR="$LAB_DIR/state"
LOG_DIR="$LAB_DIR/log"
TLS_DIR="$LAB_DIR/tls"
KEY_DIR="$LAB_DIR/keys"
DICT_DIR="$LAB_DIR/oauth2-keys"
MAIL_DIR="$LAB_DIR/mail"
BIN_DIR="$LAB_DIR/authority-bin"
BUILD_DIR="$LAB_DIR/authority-build"   # the authority's obj/ (kept apart from the source tree's)
ENV_FILE="$LAB_DIR/lab.env"
MARKER="$LAB_DIR/.outlookoauth-lab"

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# alive PID COMM-REGEX: running (not a zombie) and really that program (guards against PID reuse)
alive() {
  local comm state
  [ -n "$1" ] && comm=$(cat "/proc/$1/comm" 2>/dev/null) && [[ $comm =~ $2 ]] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
pid_of() { { tr -dc 0-9 <"$1"; } 2>/dev/null || true; }

# Any unexpected failure says where (set -e alone would exit silently).
trap 'log "ERROR: command failed (exit $?) at start.sh line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts daemons that drop privileges)"
case "$LAB_DIR" in /?*) ;; *) die "OUTLOOKOAUTH_LAB_DIR must be an absolute path other than /";; esac
case "$LAB_DIR" in *[!A-Za-z0-9._/-]*) die "OUTLOOKOAUTH_LAB_DIR may only contain A-Z a-z 0-9 . _ / -";; esac
for p in "$IMAP_PORT" "$SMTP_PORT"; do
  [[ $p =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "bad port '$p'"
done
[ "$IMAP_PORT" != "$SMTP_PORT" ] || die "IMAP and SMTP ports must differ"

T_ALL=$(now)

# ---------------------------------------------------------------- serialize with other starts/stops
# fd 9 holds the lock; every daemon and tool started below gets 9>&- so none keeps it.
mkdir -p "$(dirname "$LAB_DIR")"
exec 9>>"$LAB_DIR.lock"
flock -w 600 9 || die "another start.sh/stop.sh holds $LAB_DIR.lock"
export _OUTLOOKOAUTH_LAB_LOCKED=$$

# ---------------------------------------------------------------- authority: is there a real one?
authority_mode=skip
if [ -f "$AUTHORITY_PROJECT/OutlookOAuth.TestAuthority.csproj" ] \
   && grep -q -- 'ready-file' "$AUTHORITY_PROJECT"/*.cs 2>/dev/null; then
  authority_mode=run
fi
# Inputs of the authority build: its sources plus the repo-wide build props.
authority_inputs() {
  {
    find "$AUTHORITY_PROJECT" \( -name bin -o -name obj \) -prune -o -type f -printf '%P %s %T@\n' | sort
    for f in "$REPO/Directory.Build.props" "$REPO/Directory.Build.targets" "$REPO/Directory.Packages.props"; do
      if [ -f "$f" ]; then printf '%s %s\n' "$f" "$(stat -c '%s %Y' "$f")"; fi
    done
  } | sha256sum | cut -c1-64
}
AUTHORITY_STAMP=none
[ "$authority_mode" = skip ] || AUTHORITY_STAMP=$(authority_inputs)
# Everything that makes a running lab "the same" as the one this invocation would start.
FINGERPRINT=$(
  { cat "$HERE/start.sh" "$TEMPLATES"/*.in
    echo "dir=$LAB_DIR imap=$IMAP_PORT smtp=$SMTP_PORT authority=$authority_mode/$AUTHORITY_STAMP"
  } | sha256sum | cut -c1-64)

lab_healthy() {
  [ -f "$ENV_FILE" ] && [ "$(cat "$RUN_DIR/fingerprint" 2>/dev/null)" = "$FINGERPRINT" ] || return 1
  alive "$(pid_of "$RUN_DIR/dovecot/master.pid")" '^dovecot$' || return 1
  alive "$(pid_of "$STATE_DIR/postfix-spool/pid/master.pid")" '^master$' || return 1
  port_open "$IMAP_PORT" && port_open "$SMTP_PORT" || return 1
  if [ "$authority_mode" = run ]; then
    alive "$(pid_of "$RUN_DIR/authority.pid")" '^dotnet$' || return 1
    local url; url=$(cat "$RUN_DIR/authority.url" 2>/dev/null) || return 1
    [[ $url =~ ^https://127\.0\.0\.1:([0-9]+)/?$ ]] && port_open "${BASH_REMATCH[1]}" || return 1
  fi
}

if [ "$RESTART" != 1 ] && lab_healthy; then
  log "lab already running in $LAB_DIR (dovecot pid $(pid_of "$RUN_DIR/dovecot/master.pid"), postfix pid $(pid_of "$STATE_DIR/postfix-spool/pid/master.pid")$([ "$authority_mode" = run ] && echo ", authority pid $(pid_of "$RUN_DIR/authority.pid")")); left as is"
  [ "$authority_mode" = run ] || log "authority: skipped ($AUTHORITY_PROJECT has no real Program yet: no --ready-file support)"
  echo "$ENV_FILE"
  exit 0
fi

# ---------------------------------------------------------------- clean state
if [ -e "$LAB_DIR" ]; then
  if [ -n "$(ls -A "$LAB_DIR" 2>/dev/null)" ] && [ ! -e "$MARKER" ]; then
    die "$LAB_DIR exists, is not empty and was not made by this script; refusing to wipe it"
  fi
  log "stopping the previous lab in $LAB_DIR"
  "$HERE/stop.sh" || die "could not stop the previous lab"
fi
# Keep the authority build (and its obj/) across starts: an unchanged authority is not rebuilt.
mkdir -p "$LAB_DIR"
find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name authority-bin ! -name authority-build -exec rm -rf {} +
touch "$MARKER"

# From here on, a failure stops whatever was already started (logs are kept for diagnosis).
started=no
on_exit() {
  local rc=$?
  if [ "$started" != yes ]; then
    log "start failed (exit $rc); stopping what was started. Logs: $LOG_DIR"
    "$HERE/stop.sh" >/dev/null 2>&1 9>&- || true
  fi
}
trap on_exit EXIT

mkdir -p "$CONF_DIR/dovecot" "$CONF_DIR/postfix" "$RUN_DIR" "$STATE_DIR/dovecot" "$STATE_DIR/postfix-spool" \
         "$STATE_DIR/postfix-data" "$LOG_DIR" "$TLS_DIR" "$KEY_DIR" "$DICT_DIR" "$MAIL_DIR"
chmod 755 "$LAB_DIR" "$RUN_DIR" "$STATE_DIR" "$LOG_DIR" "$TLS_DIR" "$CONF_DIR"
chmod 700 "$KEY_DIR"

# ---------------------------------------------------------------- packages
T_INSTALL=0
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  t=$(now)
  log "installing ${missing[*]} (apt-get, --no-install-recommends) ..."
  # The maintainer scripts must not start the distro services (0.0.0.0:143/993/25 with /etc
  # configs): policy-rc.d exit 101 = "action forbidden". Created only for the install if absent.
  created_policy=no
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=yes
  fi
  # Do not let postfix's debconf write /etc/postfix/main.cf (it is not used).
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  apt_ok=yes
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  } </dev/null >"$LOG_DIR/apt.log" 2>&1 9>&- || apt_ok=no
  [ "$created_policy" = no ] || rm -f /usr/sbin/policy-rc.d
  [ "$apt_ok" = yes ] || { tail -30 "$LOG_DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  T_INSTALL=$(elapsed "$t")
  log "installed in ${T_INSTALL}s"
fi
command -v dovecot >/dev/null || die "dovecot is not installed"
command -v postfix >/dev/null || die "postfix is not installed"

getent passwd "$MAIL_USER" >/dev/null || \
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$MAIL_USER"
MAIL_UID=$(id -u "$MAIL_USER"); MAIL_GID=$(id -g "$MAIL_USER")
chown "$MAIL_UID:$MAIL_GID" "$MAIL_DIR"; chmod 700 "$MAIL_DIR"
chown postfix:postfix "$STATE_DIR/postfix-data"

# ---------------------------------------------------------------- TLS: throwaway CA + server certificate
t=$(now)
(
  cd "$TLS_DIR"
  # ECDSA P-256 (instant keygen; fine for SslStream, Kestrel, OpenSSL). Keys are PKCS#8 PEM.
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=OutlookOAuth lab CA (throwaway)" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
  openssl req -new -key server.key -sha256 -subj "/CN=localhost" -out server.csr
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile server.ext -out server.pem
  rm -f server.csr server.ext ca.srl
  chmod 600 ca.key server.key
  chmod 644 ca.pem server.pem
) 2>"$LOG_DIR/openssl.log" || { cat "$LOG_DIR/openssl.log" >&2; die "creating the lab CA / server certificate failed"; }
openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null || die "server certificate does not verify"
T_TLS=$(elapsed "$t")

# ---------------------------------------------------------------- token-signing key + Dovecot key dict
t=$(now)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEY_DIR/authority.key" 2>>"$LOG_DIR/openssl.log" \
  || die "generating the signing key failed"
openssl pkey -in "$KEY_DIR/authority.key" -pubout -out "$KEY_DIR/authority.pub.pem"
chmod 600 "$KEY_DIR/authority.key"; chmod 644 "$KEY_DIR/authority.pub.pem"
# Dovecot reads <prefix><azp or "default">/<alg>/<kid or "default">; our tokens carry azp = client id.
for d in default "$CLIENT_ID"; do
  mkdir -p "$DICT_DIR/$d/RS256"
  cp "$KEY_DIR/authority.pub.pem" "$DICT_DIR/$d/RS256/$KEY_ID"
done
# Read by the auth process, which runs as user "dovecot".
chown -R root:dovecot "$DICT_DIR"; chmod -R u=rwX,g=rX,o= "$DICT_DIR"
# Random per start: client secret and the users' password ([A-Za-z0-9_-], safe unquoted anywhere).
rand() { openssl rand -base64 "$1" | tr '+/' '-_' | tr -d '=\n'; }
CLIENT_SECRET=$(rand 30)
PASSWORD=Lab-$(rand 15)
T_KEYS=$(elapsed "$t")

# ---------------------------------------------------------------- render configs
USERNAME_FILTER=$(for d in ${DOMAINS//,/ }; do printf '*@%s ' "$d"; done); USERNAME_FILTER=${USERNAME_FILTER% }
render() { # template output [extra sed args...]
  local in=$1 out=$2; shift 2
  sed -e "s|@LAB_DIR@|$LAB_DIR|g" -e "s|@CONF_DIR@|$CONF_DIR|g" -e "s|@RUN_DIR@|$RUN_DIR|g" \
      -e "s|@STATE_DIR@|$STATE_DIR|g" -e "s|@LOG_DIR@|$LOG_DIR|g" -e "s|@TLS_DIR@|$TLS_DIR|g" \
      -e "s|@KEYS_DIR@|$DICT_DIR|g" -e "s|@MAIL_DIR@|$MAIL_DIR|g" -e "s|@MAIL_UID@|$MAIL_UID|g" \
      -e "s|@MAIL_GID@|$MAIL_GID|g" -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" \
      -e "s|@DOMAINS@|$DOMAINS|g" -e "s|@ISSUER@|$ISSUER|g" -e "s|@KEY_ID@|$KEY_ID|g" \
      -e "s|@CLIENT_ID@|$CLIENT_ID|g" -e "s|@USERNAME_FILTER@|$USERNAME_FILTER|g" "$@" "$in" >"$out"
  if grep -n '@[A-Z_]*@' "$out" >&2; then die "unrendered placeholder in $out"; fi
}
render "$TEMPLATES/dovecot.conf.in" "$CONF_DIR/dovecot/dovecot.conf"
render "$TEMPLATES/dovecot-oauth2.conf.ext.in" "$CONF_DIR/dovecot/dovecot-oauth2-imap.conf.ext" \
  -e "s|@SCOPE@|$IMAP_SCOPE|g" -e "s|@PURPOSE@|IMAP: requires scope $IMAP_SCOPE|g"
render "$TEMPLATES/dovecot-oauth2.conf.ext.in" "$CONF_DIR/dovecot/dovecot-oauth2-smtp.conf.ext" \
  -e "s|@SCOPE@|$SMTP_SCOPE|g" -e "s|@PURPOSE@|SMTP submission: requires scope $SMTP_SCOPE|g"
render "$TEMPLATES/postfix-main.cf.in" "$CONF_DIR/postfix/main.cf"
render "$TEMPLATES/postfix-master.cf.in" "$CONF_DIR/postfix/master.cf"
printf '%s\n' '/^(.+)$/ ${1}' >"$CONF_DIR/postfix/sender_login_maps.regexp"
touch "$LOG_DIR/dovecot.log" "$LOG_DIR/postfix.log"

# ---------------------------------------------------------------- Dovecot
t_daemons=$(now)
for p in "$IMAP_PORT" "$SMTP_PORT"; do
  ! port_open "$p" || die "port 127.0.0.1:$p is already in use by another process"
done
doveconf -c "$CONF_DIR/dovecot/dovecot.conf" -n >"$CONF_DIR/dovecot/doveconf-n.txt" 2>"$LOG_DIR/doveconf.log" \
  || { cat "$LOG_DIR/doveconf.log" >&2; die "doveconf rejected the config"; }
# stdio detached: Dovecot's master and log processes would otherwise keep our stderr open, and a
# caller reading our output through a pipe (CI step, test fixture) would wait forever.
dovecot -c "$CONF_DIR/dovecot/dovecot.conf" </dev/null >>"$LOG_DIR/dovecot-stdio.log" 2>&1 9>&- \
  || { cat "$LOG_DIR/dovecot-stdio.log" >&2; tail -20 "$LOG_DIR/dovecot.log" >&2; die "dovecot failed to start"; }

# ---------------------------------------------------------------- Postfix
# postfix(1) prints its own errors only when stderr is a terminal (else to the postlog service,
# which may not run yet): show postfix.log's fatal lines, or re-run under script(1) for the reason.
postfix_cmd() {
  postfix -c "$CONF_DIR/postfix" "$@" </dev/null >>"$LOG_DIR/postfix-start.log" 2>&1 9>&- && return 0
  cat "$LOG_DIR/postfix-start.log" >&2
  if grep -q 'fatal:' "$LOG_DIR/postfix.log"; then
    grep 'fatal:' "$LOG_DIR/postfix.log" | tail -5 >&2
  elif command -v script >/dev/null; then
    script -qec "postfix -c '$CONF_DIR/postfix' $*" /dev/null </dev/null 9>&- >&2 || true
  fi
  die "postfix $* failed"
}
postfix_cmd start   # also creates the queue directories (post-install create-missing)

# ---------------------------------------------------------------- the authority
T_AUTH=0
AUTHORITY_URL=
if [ "$authority_mode" = run ]; then
  t=$(now)
  command -v dotnet >/dev/null || die "dotnet (SDK 10) is needed to build $AUTHORITY_PROJECT"
  if [ -f "$BIN_DIR/OutlookOAuth.TestAuthority.dll" ] && [ "$(cat "$BUILD_DIR/stamp" 2>/dev/null)" = "$AUTHORITY_STAMP" ]; then
    log "authority: build is up to date"
  else
    log "authority: building $AUTHORITY_PROJECT ..."
    rm -f "$BUILD_DIR/stamp"
    # No build servers: they would outlive us, holding the lock fd and the log.
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
      dotnet build -c Release "$AUTHORITY_PROJECT" -o "$BIN_DIR" --artifacts-path "$BUILD_DIR" \
        --disable-build-servers -nologo -v q -clp:NoSummary \
        </dev/null >"$LOG_DIR/authority-build.log" 2>&1 9>&- \
      || { grep -E 'error|Error' "$LOG_DIR/authority-build.log" | awk '!seen[$0]++' | tail -20 >&2
           die "building the authority failed (log: $LOG_DIR/authority-build.log)"; }
    mkdir -p "$BUILD_DIR"; echo "$AUTHORITY_STAMP" >"$BUILD_DIR/stamp"
  fi
  rm -f "$RUN_DIR/authority.url"
  # setsid: own session, so a signal to the caller's process group does not take it down.
  (
    exec setsid dotnet "$BIN_DIR/OutlookOAuth.TestAuthority.dll" --port 0 \
      --tls-cert "$TLS_DIR/server.pem" --tls-key "$TLS_DIR/server.key" \
      --signing-key "$KEY_DIR/authority.key" --kid "$KEY_ID" --issuer "$ISSUER" \
      --tenant "$TENANT_ID" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
      --users "$USERS" --password "$PASSWORD" --ready-file "$RUN_DIR/authority.url"
  ) </dev/null >>"$LOG_DIR/authority.log" 2>&1 9>&- &
  AUTHORITY_PID=$!
  echo "$AUTHORITY_PID" >"$RUN_DIR/authority.pid"
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ -s "$RUN_DIR/authority.url" ] && break
    if ! kill -0 "$AUTHORITY_PID" 2>/dev/null || [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$AUTHORITY_PID/status" 2>/dev/null)" = Z ]; then
      tail -30 "$LOG_DIR/authority.log" >&2; die "the authority exited before it was ready"
    fi
    sleep 0.1
  done
  [ -s "$RUN_DIR/authority.url" ] || { tail -30 "$LOG_DIR/authority.log" >&2; die "the authority was not ready within 60 s"; }
  sleep 0.05   # the ready file may be written in more than one go
  AUTHORITY_URL=$(head -n1 "$RUN_DIR/authority.url" | tr -d '\r\n ')
  [[ $AUTHORITY_URL =~ ^https://127\.0\.0\.1:([0-9]+)/?$ ]] \
    || die "the authority's ready file holds '$AUTHORITY_URL', expected https://127.0.0.1:<port>"
  AUTHORITY_URL=${AUTHORITY_URL%/}
  port_open "${BASH_REMATCH[1]}" || die "the authority's port ${BASH_REMATCH[1]} does not answer"
  T_AUTH=$(elapsed "$t")
else
  log "authority: skipped ($AUTHORITY_PROJECT has no real Program yet: no --ready-file support); OUTLOOKOAUTH_LAB_AUTHORITY not set"
fi

# ---------------------------------------------------------------- wait until the mail servers answer
wait_for() { # shell-condition; polls for up to 15 s
  for _ in $(seq 1 150); do
    if eval "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}
wait_for "[ -s '$RUN_DIR/dovecot/master.pid' ] && port_open $IMAP_PORT && [ -S '$RUN_DIR/dovecot/auth-postfix' ] && [ -S '$RUN_DIR/dovecot/lmtp-postfix' ]" \
  || { tail -20 "$LOG_DIR/dovecot.log" >&2; die "dovecot did not come up"; }
wait_for "[ -s '$STATE_DIR/postfix-spool/pid/master.pid' ] && port_open $SMTP_PORT" \
  || { grep -E 'fatal|error|warning' "$LOG_DIR/postfix.log" | tail -20 >&2; die "postfix did not come up"; }
DOVECOT_PID=$(pid_of "$RUN_DIR/dovecot/master.pid")
POSTFIX_PID=$(pid_of "$STATE_DIR/postfix-spool/pid/master.pid")
T_DAEMONS=$(elapsed "$t_daemons")

# ---------------------------------------------------------------- lab.env
{
  echo "# Written by tests/lab/start.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . $ENV_FILE"
  echo "export OUTLOOKOAUTH_LAB_DIR=$LAB_DIR"
  [ -z "$AUTHORITY_URL" ] || echo "export OUTLOOKOAUTH_LAB_AUTHORITY=$AUTHORITY_URL/$TENANT_ID/"
  echo "export OUTLOOKOAUTH_LAB_TENANT=$TENANT_ID"
  echo "export OUTLOOKOAUTH_LAB_CLIENT_ID=$CLIENT_ID"
  echo "export OUTLOOKOAUTH_LAB_CLIENT_SECRET=$CLIENT_SECRET"
  echo "export OUTLOOKOAUTH_CA_FILE=$TLS_DIR/ca.pem"
  echo "export OUTLOOKOAUTH_LAB_SMTP_PORT=$SMTP_PORT"
  echo "export OUTLOOKOAUTH_LAB_IMAP_PORT=$IMAP_PORT"
  echo "export OUTLOOKOAUTH_LAB_PASSWORD=$PASSWORD"
  echo "export OUTLOOKOAUTH_LAB_SIGNING_KEY=$KEY_DIR/authority.key"
  echo "export OUTLOOKOAUTH_LAB_KEY_ID=$KEY_ID"
  echo "export OUTLOOKOAUTH_LAB_ISSUER=$ISSUER"
  echo "export OUTLOOKOAUTH_LAB_HOST=127.0.0.1"
  # The lab tenant (issue 18): Microsoft Graph v1.0 served by the authority, its admin and Graph's public client.
  if [ -n "$AUTHORITY_URL" ]; then
    echo "export OUTLOOKOAUTH_LAB_GRAPH=$AUTHORITY_URL/graph/"
    echo "export OUTLOOKOAUTH_LAB_ADMIN=admin@example.com"
    echo "export OUTLOOKOAUTH_LAB_GRAPH_CLIENT_ID=14d82eec-204b-4c2f-b7e8-296a70dab67e"
  fi
} >"$ENV_FILE.tmp"
chmod 600 "$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "$FINGERPRINT" >"$RUN_DIR/fingerprint"

started=yes
log "dovecot pid $DOVECOT_PID: IMAPS 127.0.0.1:$IMAP_PORT (log $LOG_DIR/dovecot.log)"
log "postfix pid $POSTFIX_PID: submission 127.0.0.1:$SMTP_PORT, STARTTLS (log $LOG_DIR/postfix.log)"
[ -z "$AUTHORITY_URL" ] || log "authority pid $AUTHORITY_PID: $AUTHORITY_URL/$TENANT_ID/ (log $LOG_DIR/authority.log)"
log "timings: install ${T_INSTALL}s, tls ${T_TLS}s, keys ${T_KEYS}s, daemons ${T_DAEMONS}s (authority ${T_AUTH}s), total $(elapsed "$T_ALL")s"
echo "$ENV_FILE"
