#!/usr/bin/env bash
# tests/lab/check.sh -- smoke test of a running OutlookOAuth lab (tests/lab/start.sh).
# Mints Entra-shaped RS256 tokens with the lab signing key (openssl CLI) and checks the servers
# with the system python3's imaplib/smtplib only (stdlib, no packages). Every TLS connection
# verifies the server certificate against the lab CA for host 127.0.0.1.
# Prints one line per check and "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
LAB_DIR=${OUTLOOKOAUTH_LAB_DIR:-/tmp/outlookoauth-lab}
ENV_FILE="${LAB_DIR%/}/lab.env"
[ -f "$ENV_FILE" ] || { echo "no $ENV_FILE: is the lab running? (tests/lab/start.sh)" >&2; exit 2; }
# shellcheck disable=SC1090
. "$ENV_FILE"
command -v openssl >/dev/null || { echo "openssl is needed" >&2; exit 2; }
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "python3 is needed" >&2; exit 2; }
exec "$PY" - "$@" <<'PYTHON'
import base64, hashlib, imaplib, json, os, smtplib, socket, ssl, subprocess, sys, tempfile, time, uuid
import urllib.error, urllib.parse, urllib.request

E = os.environ
HOST = E["OUTLOOKOAUTH_LAB_HOST"]
IMAP_PORT = int(E["OUTLOOKOAUTH_LAB_IMAP_PORT"])
SMTP_PORT = int(E["OUTLOOKOAUTH_LAB_SMTP_PORT"])
KEY = E["OUTLOOKOAUTH_LAB_SIGNING_KEY"]
KID = E["OUTLOOKOAUTH_LAB_KEY_ID"]
ISSUER = E["OUTLOOKOAUTH_LAB_ISSUER"]
TENANT = E["OUTLOOKOAUTH_LAB_TENANT"]
CLIENT_ID = E["OUTLOOKOAUTH_LAB_CLIENT_ID"]
CTX = ssl.create_default_context(cafile=E["OUTLOOKOAUTH_CA_FILE"])  # full verification, host 127.0.0.1
IMAP_SCOPE, SMTP_SCOPE = "IMAP.AccessAsUser.All", "SMTP.Send"
ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@elsewhere.invalid"

results = []
def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'  -- ' + detail if detail else ''}", flush=True)

def b64url(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

_wrong_key = None
def wrong_key():
    global _wrong_key
    if _wrong_key is None:
        fd, _wrong_key = tempfile.mkstemp(suffix=".pem"); os.close(fd)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", _wrong_key], check=True, capture_output=True)
    return _wrong_key

def token(user, scopes, *, claim_user=None, expired=False, key=None, issuer=None, azp=True,
          scope_claim=True, pad=0):
    """An Entra-v2-shaped access token, RS256 with the lab key (or `key`)."""
    now = int(time.time())
    u = claim_user or user
    p = {"aud": "https://outlook.office.com", "iss": issuer or ISSUER,
         "iat": now - 7200 if expired else now, "nbf": now - 7200 if expired else now,
         "exp": now - 3600 if expired else now + 3600,
         "sub": hashlib.sha256(u.lower().encode()).hexdigest()[:43],
         "oid": str(uuid.uuid5(uuid.NAMESPACE_DNS, u.lower())), "tid": TENANT,
         "upn": u, "preferred_username": u, "unique_name": u, "appid": CLIENT_ID,
         "scp": scopes, "ver": "2.0"}
    if scope_claim: p["scope"] = scopes
    if azp: p["azp"] = CLIENT_ID
    if pad: p["xms_pad"] = "x" * pad
    h = {"typ": "JWT", "alg": "RS256", "kid": KID}
    signing_input = (b64url(json.dumps(h, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(p, separators=(",", ":")).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key or KEY], input=signing_input,
                         capture_output=True, check=True).stdout
    return signing_input.decode() + "." + b64url(sig)

def sasl(mech, user, tok):
    if mech == "XOAUTH2": return f"user={user}\x01auth=Bearer {tok}\x01\x01"
    return f"n,a={user},\x01auth=Bearer {tok}\x01\x01"

class Responder:
    """First call: the initial response. Later calls answer the server's JSON error challenge
    with an empty response (as XOAUTH2 / RFC 7628 require) so the final NO / 535 arrives."""
    def __init__(self, first): self.first, self.calls = first, 0
    def __call__(self, challenge=None):
        self.calls += 1
        return self.first if self.calls == 1 else ""

def imap_login(user, tok, mech="XOAUTH2"):
    m = imaplib.IMAP4_SSL(HOST, IMAP_PORT, ssl_context=CTX, timeout=15)
    r = Responder(sasl(mech, user, tok))
    try:
        typ, data = m.authenticate(mech, lambda ch: r(ch).encode())
        return True, f"{typ} {data[0].decode()}", m
    except imaplib.IMAP4.error as e:
        try: m.shutdown()
        except Exception: pass
        return False, str(e), None

def smtp_session():
    s = smtplib.SMTP(HOST, SMTP_PORT, timeout=15)
    s.ehlo("check.lab"); s.starttls(context=CTX); s.ehlo("check.lab")
    return s

def smtp_auth(s, user, tok, mech="XOAUTH2"):
    try:
        code, msg = s.auth(mech, Responder(sasl(mech, user, tok)), initial_response_ok=True)
        return code, msg.decode()
    except smtplib.SMTPAuthenticationError as e:
        return e.smtp_code, e.smtp_error.decode()

def timed(f, *a, **k):
    t0 = time.time(); r = f(*a, **k); return r, time.time() - t0

# ---------------------------------------------------------------- IMAP
for label, user, kw, mech, expect in [
    ("IMAP XOAUTH2 alice, IMAP-scoped token", ALICE, dict(scopes=IMAP_SCOPE), "XOAUTH2", True),
    ("IMAP OAUTHBEARER alice, IMAP-scoped token", ALICE, dict(scopes=IMAP_SCOPE), "OAUTHBEARER", True),
    ("IMAP XOAUTH2 alice, token with both scopes", ALICE, dict(scopes=f"{IMAP_SCOPE} {SMTP_SCOPE}"), "XOAUTH2", True),
    ("IMAP XOAUTH2 alice, token without azp (default key dir)", ALICE, dict(scopes=IMAP_SCOPE, azp=False), "XOAUTH2", True),
    ("IMAP XOAUTH2 ALICE@Example.COM (case-insensitive user)", "ALICE@Example.COM", dict(scopes=IMAP_SCOPE, claim_user=ALICE), "XOAUTH2", True),
    ("IMAP XOAUTH2 alice, 5 KB token", ALICE, dict(scopes=IMAP_SCOPE, pad=3000), "XOAUTH2", True),
    ("IMAP XOAUTH2, bob's token used as alice", ALICE, dict(scopes=IMAP_SCOPE, claim_user=BOB), "XOAUTH2", False),
    ("IMAP XOAUTH2 alice, wrong signature", ALICE, dict(scopes=IMAP_SCOPE, key="WRONG"), "XOAUTH2", False),
    ("IMAP XOAUTH2 alice, expired token", ALICE, dict(scopes=IMAP_SCOPE, expired=True), "XOAUTH2", False),
    ("IMAP XOAUTH2 alice, wrong issuer", ALICE, dict(scopes=IMAP_SCOPE, issuer="https://sts.evil.invalid/"), "XOAUTH2", False),
    ("IMAP XOAUTH2 alice, token missing the scope claim (scp only)", ALICE, dict(scopes=IMAP_SCOPE, scope_claim=False), "XOAUTH2", False),
    ("IMAP XOAUTH2 alice, SMTP-scoped token (wrong protocol)", ALICE, dict(scopes=SMTP_SCOPE), "XOAUTH2", False),
    ("IMAP OAUTHBEARER alice, SMTP-scoped token (wrong protocol)", ALICE, dict(scopes=SMTP_SCOPE), "OAUTHBEARER", False),
    ("IMAP XOAUTH2 carol@elsewhere.invalid (not a lab domain)", CAROL, dict(scopes=IMAP_SCOPE), "XOAUTH2", False),
]:
    if kw.get("key") == "WRONG": kw["key"] = wrong_key()
    tok = token(kw.pop("claim_user"), **kw) if "claim_user" in kw else token(user, **kw)
    (ok, detail, m), dt = timed(imap_login, user, tok, mech)
    if m: m.logout()
    check(f"{label} -> {'accepted' if expect else 'rejected'}", ok == expect, f"{detail[:100]} ({dt:.2f}s)")

# ---------------------------------------------------------------- SMTP
s = smtplib.SMTP(HOST, SMTP_PORT, timeout=15)
s.ehlo("check.lab")
check("SMTP before STARTTLS: STARTTLS offered, AUTH not", s.has_extn("starttls") and not s.has_extn("auth"))
code, msg = s.mail(ALICE)
check("SMTP MAIL FROM before STARTTLS -> 530", code == 530, f"{code} {msg.decode()}")
s.close()

s = smtp_session()
auth = s.esmtp_features.get("auth", "")
check("SMTP after STARTTLS: AUTH XOAUTH2 OAUTHBEARER offered", set(auth.upper().split()) == {"XOAUTH2", "OAUTHBEARER"}, "AUTH " + auth)
code, msg = s.mail(ALICE)
if code == 250: code, msg = s.rcpt(ALICE)
check("SMTP unauthenticated MAIL/RCPT -> rejected", code >= 500, f"{code} {msg.decode()}")
s.close()

for label, user, kw, mech, expect in [
    ("SMTP AUTH XOAUTH2 alice, SMTP-scoped token", ALICE, dict(scopes=SMTP_SCOPE), "XOAUTH2", 235),
    ("SMTP AUTH OAUTHBEARER alice, SMTP-scoped token", ALICE, dict(scopes=SMTP_SCOPE), "OAUTHBEARER", 235),
    ("SMTP AUTH XOAUTH2 alice, token with both scopes", ALICE, dict(scopes=f"{IMAP_SCOPE} {SMTP_SCOPE}"), "XOAUTH2", 235),
    ("SMTP AUTH XOAUTH2 alice, 5 KB token (line_length_limit)", ALICE, dict(scopes=SMTP_SCOPE, pad=3000), "XOAUTH2", 235),
    ("SMTP AUTH XOAUTH2, bob's token used as alice", ALICE, dict(scopes=SMTP_SCOPE, claim_user=BOB), "XOAUTH2", 535),
    ("SMTP AUTH XOAUTH2 alice, wrong signature", ALICE, dict(scopes=SMTP_SCOPE, key="WRONG"), "XOAUTH2", 535),
    ("SMTP AUTH XOAUTH2 alice, expired token", ALICE, dict(scopes=SMTP_SCOPE, expired=True), "XOAUTH2", 535),
    ("SMTP AUTH XOAUTH2 alice, token missing the scope claim (scp only)", ALICE, dict(scopes=SMTP_SCOPE, scope_claim=False), "XOAUTH2", 535),
    ("SMTP AUTH XOAUTH2 alice, IMAP-scoped token (wrong protocol)", ALICE, dict(scopes=IMAP_SCOPE), "XOAUTH2", 535),
]:
    if kw.get("key") == "WRONG": kw["key"] = wrong_key()
    tok = token(kw.pop("claim_user"), **kw) if "claim_user" in kw else token(user, **kw)
    s = smtp_session()
    (code, msg), dt = timed(smtp_auth, s, user, tok, mech)
    check(f"{label} -> {expect}", code == expect, f"{code} {msg[:80]} ({dt:.2f}s)")
    s.close()

s = smtp_session()
smtp_auth(s, ALICE, token(ALICE, SMTP_SCOPE))
code, msg = s.mail(BOB)
if code == 250: code, msg = s.rcpt(ALICE)
check("SMTP authenticated as alice, MAIL FROM bob -> 553 (SendAs check)", code == 553, f"{code} {msg.decode()}")
s.close()

# ---------------------------------------------------------------- SMTP -> LMTP -> Maildir -> IMAP
subject = f"lab check {uuid.uuid4()}"
s = smtp_session()
smtp_auth(s, ALICE, token(ALICE, SMTP_SCOPE))
body = (f"From: Alice <{ALICE}>\r\nTo: Bob <{BOB}>\r\nCc: <someone@elsewhere.invalid>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4()}@example.com>\r\n\r\nHello from tests/lab/check.sh.\r\n")
refused = s.sendmail(ALICE, [BOB, "someone@elsewhere.invalid"], body)
check("SMTP alice -> bob + external recipient accepted", refused == {}, repr(refused))
s.quit()
t0, found = time.time(), None
while time.time() - t0 < 15 and not found:
    ok, detail, m = imap_login(BOB, token(BOB, IMAP_SCOPE))
    if m:
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "SUBJECT", f'"{subject}"')
        if data[0]:
            typ, fetched = m.fetch(data[0].split()[-1], "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            found = fetched[0][1].decode().strip()
        m.logout()
    if not found: time.sleep(0.2)
check("message sent over SMTP is in bob's INBOX over IMAP", bool(found) and subject in found,
      f"{found!r} after {time.time() - t0:.2f}s")

# ---------------------------------------------------------------- the authority (when it runs)
authority = E.get("OUTLOOKOAUTH_LAB_AUTHORITY")
if authority:
    u = urllib.parse.urlsplit(authority)
    try:
        with socket.create_connection((u.hostname, u.port), timeout=10) as raw, \
             CTX.wrap_socket(raw, server_hostname=u.hostname) as tls:
            ok, detail = True, f"{tls.version()} {tls.getpeercert()['subject']}"
    except Exception as e:
        ok, detail = False, repr(e)
    check(f"authority {authority}: TLS verifies against the lab CA", ok, detail)
    disco = authority + "v2.0/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(disco, context=CTX, timeout=10) as r:
            meta = json.load(r)
        check("authority: OpenID discovery document", "token_endpoint" in meta, disco)
    except Exception as e:
        meta = None
        check("authority: OpenID discovery document", False, f"{disco}: {e!r}")
    def password_grant(scope):
        form = urllib.parse.urlencode({
            "grant_type": "password", "client_id": CLIENT_ID,
            "client_secret": E["OUTLOOKOAUTH_LAB_CLIENT_SECRET"], "username": ALICE,
            "password": E["OUTLOOKOAUTH_LAB_PASSWORD"],
            "scope": f"https://outlook.office.com/{scope} offline_access"}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(meta["token_endpoint"], data=form),
                                        context=CTX, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            return {"http_error": e.code, "body": e.read()[:300].decode(errors="replace")}
        except Exception as e:
            return {"error": repr(e)}
    if meta and "token_endpoint" in meta:
        # Resource-owner password grant for alice, then use the token on the mail servers.
        resp = password_grant(IMAP_SCOPE)
        if "unsupported_grant_type" in json.dumps(resp):
            print("SKIP  authority password-grant tokens -> IMAP/SMTP (the authority does not offer that grant)")
        elif "access_token" not in resp:
            check("authority password grant for alice (IMAP scope)", False, json.dumps(resp)[:300])
        else:
            ok, detail, m = imap_login(ALICE, resp["access_token"])
            if m: m.logout()
            check("authority password-grant token (IMAP scope) -> IMAP XOAUTH2 accepted", ok, detail[:100])
            resp = password_grant(SMTP_SCOPE)
            if "access_token" not in resp:
                check("authority password grant for alice (SMTP scope)", False, json.dumps(resp)[:300])
            else:
                s = smtp_session()
                code, msg = smtp_auth(s, ALICE, resp["access_token"])
                s.close()
                check("authority password-grant token (SMTP scope) -> SMTP AUTH XOAUTH2 235", code == 235, f"{code} {msg[:80]}")
else:
    print("SKIP  authority checks (OUTLOOKOAUTH_LAB_AUTHORITY not set: the lab runs without the authority)")

passed = sum(results); failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYTHON
