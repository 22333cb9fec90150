"""Connection tokens, channel permissions and origins (docs/SECURITY.md).

Tokens are made here with PyJWT and `cryptography` (Debian python3-jwt and
python3-cryptography), or by hand with hmac for headers PyJWT will not write.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import time

import pytest

jwt = pytest.importorskip("jwt")
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from wshub_harness import (WSHUB_BIN, WsClient, arun, async_wait_until, handshake_request,  # noqa: E402
                           http_exchange, scaled, uniq, wait_until)

SECRET = "integration-secret-0123456789abcdef"

NAMESPACES = """
[namespaces.pub]
allow_subscribe = true
allow_client_publish = true

[namespaces.anon]
allow_anonymous_subscribe = true

[namespaces.closed]

[namespaces.nohist]
allow_subscribe = true
allow_client_history = false
allow_client_presence = false
"""


# ---------------------------------------------------------------------------
# keys and tokens
# ---------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header, payload, secret):
    """header.payload HMAC-SHA256-signed with secret (bytes): any header at all."""
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    sig = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return head + "." + b64url(sig)


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def jwks_of(*kid_keys):
    """A JWKS document (dict) of the public halves of (kid, RSA or P-256 private key)."""
    keys = []
    for kid, key in kid_keys:
        if isinstance(key, rsa.RSAPrivateKey):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        else:
            # Written out here: RFC 7518 6.2.1.2 wants each coordinate at the
            # curve's full size (32 bytes), and PyJWT's to_jwk drops leading
            # zero bytes (about 1 key in 128), which wshub rightly refuses.
            nums = key.public_key().public_numbers()
            jwk = {"kty": "EC", "crv": "P-256", "x": b64url(nums.x.to_bytes(32, "big")),
                   "y": b64url(nums.y.to_bytes(32, "big"))}
        jwk["kid"] = kid
        keys.append(jwk)
    return {"keys": keys}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec1 = ec.generate_private_key(ec.SECP256R1())
    (d / "rsa1.pem").write_bytes(pem_public(rsa1))
    (d / "ec1.pem").write_bytes(pem_public(ec1))
    jwks = jwks_of(("r1", rsa1), ("r2", rsa2), ("e1", ec1))
    jwks["keys"].append({"kty": "oct", "kid": "h1", "k": b64url(SECRET.encode())})
    (d / "jwks.json").write_text(json.dumps(jwks))
    return {"dir": d, "rsa1": rsa1, "rsa2": rsa2, "ec1": ec1,
            "rsa1_pem": str(d / "rsa1.pem"), "ec1_pem": str(d / "ec1.pem"),
            "jwks": str(d / "jwks.json")}


def claims(sub="alice", exp_in=300, **extra):
    c = {"sub": sub, "exp": int(time.time()) + exp_in}
    c.update(extra)
    return c


def hs(payload, key=SECRET, alg="HS256", headers=None):
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def upgrade_status(port, path="/ws", extra=()):
    """Sends one upgrade request; -> (status, headers, parsed JSON body or None)."""
    req, _ = handshake_request(port, path, extra=list(extra))
    status, headers, body = http_exchange(port, req)
    parsed = json.loads(body) if body else None
    return status, headers, parsed


def assert_refused(port, status, path="/ws", extra=(), what=""):
    got, _, body = upgrade_status(port, path, extra)
    assert got == status, f"{what}: expected HTTP {status}, got {got} {body}"
    assert body["error"]["code"] == status and isinstance(body["error"]["message"], str), body
    return body["error"]["message"]


def assert_upgrades(port, path="/ws", extra=(), what=""):
    got, _, body = upgrade_status(port, path, extra)
    assert got == 101, f"{what}: expected 101, got {got} {body}"


@pytest.fixture(scope="module")
def hs_server(tmp_path_factory):
    from wshub_harness import Server
    srv = Server(args=["--jwt-secret", SECRET], config=NAMESPACES, dev=False,
                 workdir=tmp_path_factory.mktemp("hs-server"))
    srv.start()
    yield srv
    srv.close()


# ---------------------------------------------------------------------------
# 401 for every bad token
# ---------------------------------------------------------------------------

def test_bad_tokens_are_refused_with_401_and_a_json_body(hs_server, keys):
    now = int(time.time())
    rsa_pem = pem_public(keys["rsa1"])
    bad = {
        "no token": None,
        "garbage": "garbage",
        "two parts": "a.b",
        "bad base64": "!!!.@@@.###",
        "bad json": b64url(b"{not json") + "." + b64url(b'{"exp":1}') + ".c2ln",
        "bad signature": hs(claims())[:-4] + "AAAA",
        "wrong secret": hs(claims(), key="another-secret-of-enough-length"),
        "alg none": jwt.encode(claims(), None, algorithm="none"),
        "alg none signed": raw_token({"alg": "none", "typ": "JWT"}, claims(), SECRET.encode()),
        "alg NONE": raw_token({"alg": "NONE"}, claims(), b""),
        "hs256 with rsa public key": raw_token({"alg": "HS256", "typ": "JWT"}, claims(), rsa_pem),
        "alg not allowed": hs(claims(), alg="HS512"),
        "rs256 without rsa key": jwt.encode(claims(), pem_private(keys["rsa1"]), algorithm="RS256"),
        "unknown kid": hs(claims(), headers={"kid": "nope"}),
        "expired": hs(claims(exp_in=-120)),
        "expired long ago": hs({"sub": "alice", "exp": now - 86400}),
        "nbf in the future": hs(claims(nbf=now + 600)),
        "missing exp": hs({"sub": "alice"}),
        "exp not a number": raw_token({"alg": "HS256"}, {"sub": "a", "exp": "soon"}, SECRET.encode()),
        "duplicate alg": (b64url(b'{"alg":"HS256","alg":"none"}') + "." +
                          b64url(json.dumps(claims()).encode()) + ".c2ln"),
        "crit header": raw_token({"alg": "HS256", "crit": ["exp"]}, claims(), SECRET.encode()),
    }
    for what, token in bad.items():
        path = "/ws" if token is None else f"/ws?token={token}"
        message = assert_refused(hs_server.port, 401, path, what=what)
        if token is not None:
            assert message.startswith("invalid token"), (what, message)
    # The same through the Authorization header, and other schemes.
    assert_refused(hs_server.port, 401, extra=[("Authorization", "Bearer " + hs(claims(exp_in=-120)))])
    assert_refused(hs_server.port, 401, extra=[("Authorization", "Basic YWxpY2U6cHc=")])
    # ?user= means nothing outside --dev.
    assert_refused(hs_server.port, 401, "/ws?user=alice")


def test_skew_leeway_is_30_seconds_by_default(hs_server):
    assert_upgrades(hs_server.port, "/ws?token=" + hs(claims(exp_in=-20)), what="exp 20 s ago")
    assert_refused(hs_server.port, 401, "/ws?token=" + hs(claims(exp_in=-40)), what="exp 40 s ago")
    assert_upgrades(hs_server.port, "/ws?token=" + hs(claims(nbf=int(time.time()) + 20)), what="nbf in 20 s")


def test_wrong_issuer_and_audience(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--jwt-issuer", "https://id.example",
                               "--jwt-audience", "wshub"], dev=False)
    good = hs(claims(iss="https://id.example", aud=["x", "wshub"]))
    assert_upgrades(srv.port, "/ws?token=" + good)
    for what, c in {"no iss": claims(aud="wshub"),
                    "wrong iss": claims(iss="https://evil.example", aud="wshub"),
                    "no aud": claims(iss="https://id.example"),
                    "wrong aud": claims(iss="https://id.example", aud="other")}.items():
        assert_refused(srv.port, 401, "/ws?token=" + hs(c), what=what)


# ---------------------------------------------------------------------------
# good tokens
# ---------------------------------------------------------------------------

async def connect_token(port, token, header=False, **kw):
    if header:
        return await WsClient.connect(port, headers={"Authorization": f"Bearer {token}"}, **kw)
    return await WsClient.connect(port, query={"token": token}, **kw)


def test_good_hs256_token_in_query_or_header(hs_server):
    async def main():
        for header in (False, True):
            c = await connect_token(hs_server.port, hs(claims(sub="u-42")), header=header)
            try:
                assert c.welcome["user"] == "u-42", c.welcome
            finally:
                await c.close()
    arun(main())
    # Key-location headers are ignored: only configured keys count.
    assert_upgrades(hs_server.port, "/ws?token=" + hs(claims(), headers={"jku": "https://evil.example/jwks",
                                                                       "x5u": "https://evil.example/x"}))
    assert_refused(hs_server.port, 401, "/ws?token=" + hs(claims(), key="attacker-key-0123456789abcdef",
                                                          headers={"jku": "https://evil.example/jwks"}))


def test_rs256_public_key_and_confusion(server_factory, keys):
    srv = server_factory(args=["--jwt-public-key", keys["rsa1_pem"]], dev=False)
    token = jwt.encode(claims(sub="rs"), pem_private(keys["rsa1"]), algorithm="RS256")

    async def main():
        c = await connect_token(srv.port, token)
        assert c.welcome["user"] == "rs"
        await c.close()
    arun(main())
    forged = raw_token({"alg": "HS256", "typ": "JWT"}, claims(), pem_public(keys["rsa1"]))
    assert_refused(srv.port, 401, "/ws?token=" + forged, what="HS256 with the RSA public key")
    other = jwt.encode(claims(), pem_private(keys["rsa2"]), algorithm="RS256")
    assert_refused(srv.port, 401, "/ws?token=" + other, what="another RSA key")
    assert_refused(srv.port, 401, "/ws?token=" + hs(claims()), what="HS256 on an RSA server")


def test_es256_public_key(server_factory, keys):
    srv = server_factory(args=["--jwt-public-key", keys["ec1_pem"]], dev=False)
    token = jwt.encode(claims(sub="es"), pem_private(keys["ec1"]), algorithm="ES256")

    async def main():
        c = await connect_token(srv.port, token, header=True)
        assert c.welcome["user"] == "es"
        await c.close()
    arun(main())
    assert_refused(srv.port, 401, "/ws?token=" + token[:-6] + "AAAAAA", what="bad ES256 signature")


def test_jwks_keys_chosen_by_kid_for_rotation(server_factory, keys):
    srv = server_factory(args=["--jwt-jwks-file", keys["jwks"]], dev=False)
    rs1 = jwt.encode(claims(sub="one"), pem_private(keys["rsa1"]), algorithm="RS256", headers={"kid": "r1"})
    rs2 = jwt.encode(claims(sub="two"), pem_private(keys["rsa2"]), algorithm="RS256", headers={"kid": "r2"})
    es1 = jwt.encode(claims(sub="ec"), pem_private(keys["ec1"]), algorithm="ES256", headers={"kid": "e1"})
    hs1 = hs(claims(sub="hmac"), headers={"kid": "h1"})
    for token in (rs1, rs2, es1, hs1):
        assert_upgrades(srv.port, "/ws?token=" + token)
    # The old key's signature under the new key's kid, an unknown kid, no kid.
    swapped = jwt.encode(claims(), pem_private(keys["rsa1"]), algorithm="RS256", headers={"kid": "r2"})
    assert_refused(srv.port, 401, "/ws?token=" + swapped, what="kid of another key")
    unknown = jwt.encode(claims(), pem_private(keys["rsa1"]), algorithm="RS256", headers={"kid": "r9"})
    assert "kid" in assert_refused(srv.port, 401, "/ws?token=" + unknown, what="unknown kid")
    no_kid = jwt.encode(claims(), pem_private(keys["rsa1"]), algorithm="RS256")
    assert_refused(srv.port, 401, "/ws?token=" + no_kid, what="no kid")
    # HS256 over the RSA key's PEM, naming the RSA kid.
    forged = raw_token({"alg": "HS256", "kid": "r1"}, claims(), pem_public(keys["rsa1"]))
    assert_refused(srv.port, 401, "/ws?token=" + forged, what="confusion by kid")


@pytest.mark.tsan
def test_sighup_reloads_the_jwks_file_keeping_it_on_a_bad_one(server_factory, keys, tmp_path):
    """Key rotation: SIGHUP reads jwt_jwks_file again; new upgrades are judged by
    the new keys, open connections stay, and a file that does not load leaves
    the keys as they were."""
    path = tmp_path / "rotating.json"
    path.write_text(json.dumps(jwks_of(("r1", keys["rsa1"]))))
    srv = server_factory(args=["--jwt-jwks-file", str(path)], dev=False)
    one = jwt.encode(claims(sub="one"), pem_private(keys["rsa1"]), algorithm="RS256", headers={"kid": "r1"})
    two = jwt.encode(claims(sub="two"), pem_private(keys["rsa2"]), algorithm="RS256", headers={"kid": "r2"})
    reloads = 'wshub_jwt_key_reloads_total{result="%s"}'

    def sighup_and_wait_for(needle, count):
        os.kill(srv.pid, signal.SIGHUP)
        wait_until(lambda: srv.stderr_text().count(needle) == count, 10, what=f"{needle!r} x{count} in the log")

    async def main():
        assert_upgrades(srv.port, "/ws?token=" + one, what="r1 before the rotation")
        assert_refused(srv.port, 401, "/ws?token=" + two, what="r2 before the rotation")
        kept = await connect_token(srv.port, one)
        try:
            path.write_text(json.dumps(jwks_of(("r2", keys["rsa2"]))))
            sighup_and_wait_for("JWT keys reloaded from", 1)
            assert_upgrades(srv.port, "/ws?token=" + two, what="r2 after the rotation")
            assert_refused(srv.port, 401, "/ws?token=" + one, what="r1 after the rotation")
            await kept.ok("ping")  # a connection made with the old key stays open

            path.write_text("{ not json")
            sighup_and_wait_for("JWT key reload failed, keeping the current keys", 1)
            assert srv.alive()
            assert_upgrades(srv.port, "/ws?token=" + two, what="r2 after a failed reload")
            assert_refused(srv.port, 401, "/ws?token=" + one, what="r1 after a failed reload")
            m = srv.metrics()
            assert (m[reloads % "ok"], m[reloads % "error"]) == (1, 1), m
        finally:
            await kept.close()
    arun(main())


# ---------------------------------------------------------------------------
# expiry and refresh
# ---------------------------------------------------------------------------

def test_connection_closed_with_4001_at_exp(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--jwt-leeway", "0"], dev=False)

    async def main():
        t0 = time.monotonic()
        c = await connect_token(srv.port, hs(claims(exp_in=2)))
        await async_wait_until(lambda: c.closed.is_set(), 6, what="close at exp")
        assert c.close_code == 4001, (c.close_code, c.close_reason)
        assert 0.5 <= time.monotonic() - t0 <= scaled(4.5)
    arun(main())


def test_refresh_extends_the_connection(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--jwt-leeway", "0"], dev=False)

    async def main():
        c = await connect_token(srv.port, hs(claims(exp_in=2)))
        try:
            new = claims(exp_in=120)
            r = await c.ok("refresh", token=hs(new))
            assert r["exp"] == new["exp"], r
            await asyncio.sleep(3.5)
            assert not c.closed.is_set(), (c.close_code, c.close_reason)
            await c.ok("ping")
        finally:
            await c.close()
    arun(main())


def test_refresh_for_another_user_or_invalid_is_refused(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--jwt-leeway", "0"], dev=False)

    async def main():
        c = await connect_token(srv.port, hs(claims(sub="alice", exp_in=2)))
        await c.err(403, "refresh", token=hs(claims(sub="mallory", exp_in=600)))
        await c.err(401, "refresh", token=hs(claims(sub="alice", exp_in=-600)))
        await c.err(401, "refresh", token="not.a.token")
        await c.err(401, "refresh", token=jwt.encode(claims(sub="alice"), None, algorithm="none"))
        await async_wait_until(lambda: c.closed.is_set(), 6, what="close at the first exp")
        assert c.close_code == 4001
    arun(main())


# ---------------------------------------------------------------------------
# channel permissions
# ---------------------------------------------------------------------------

def test_namespace_permissions(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--allow-anonymous"], config=NAMESPACES, dev=False)

    async def main():
        alice = await connect_token(srv.port, hs(claims(sub="alice")))
        anon = await WsClient.connect(srv.port)
        try:
            assert anon.welcome["user"] == ""
            await alice.ok("subscribe", channel=uniq("pub:x"))
            await alice.err(403, "subscribe", channel=uniq("closed:x"))
            await alice.err(403, "subscribe", channel=uniq("plain"))
            await alice.err(403, "subscribe", channel=uniq("anon:x"))
            await anon.ok("subscribe", channel=uniq("anon:x"))
            await anon.err(403, "subscribe", channel=uniq("pub:x"))
            await anon.err(403, "subscribe", channel=uniq("closed:x"))
            ch = uniq("pub:p")
            await alice.ok("publish", channel=ch, data={"a": 1})
            await alice.err(403, "publish", channel=uniq("closed:x"), data=1)
            await alice.err(403, "publish", channel=uniq("anon:x"), data=1)
            await alice.ok("history", channel=ch)
            await alice.ok("presence", channel=ch)
            await alice.err(403, "history", channel=uniq("closed:x"))
            await alice.err(403, "presence", channel=uniq("closed:x"))
            await alice.err(403, "history", channel=uniq("nohist:x"))
            await alice.err(403, "presence", channel=uniq("nohist:x"))
            await alice.ok("subscribe", channel=uniq("nohist:x"))
            await anon.err(403, "history", channel=ch)
        finally:
            await alice.close()
            await anon.close()
    arun(main())


def test_channels_claim_patterns(hs_server):
    async def main():
        token = hs(claims(channels=["closed:exact", "closed:room-*"]))
        c = await connect_token(hs_server.port, token)
        try:
            await c.ok("subscribe", channel="closed:exact")
            await c.ok("subscribe", channel="closed:room-1")
            await c.ok("subscribe", channel="closed:room-")
            await c.err(403, "subscribe", channel="closed:exact2")
            await c.err(403, "subscribe", channel="closed:roo")
            await c.err(403, "subscribe", channel="closed:other")
            await c.ok("history", channel="closed:room-2")
        finally:
            await c.close()
    arun(main())


def test_refresh_replaces_the_channels_claim(hs_server):
    async def main():
        c = await connect_token(hs_server.port, hs(claims()))
        try:
            await c.err(403, "subscribe", channel="closed:later")
            await c.ok("refresh", token=hs(claims(channels=["closed:later"])))
            await c.ok("subscribe", channel="closed:later")
        finally:
            await c.close()
    arun(main())


def test_user_limited_channels(hs_server):
    async def main():
        alice = await connect_token(hs_server.port, hs(claims(sub="alice")))
        bob = await connect_token(hs_server.port, hs(claims(sub="bob", channels=["*"])))
        try:
            await alice.ok("subscribe", channel="closed:inbox#alice")
            await alice.ok("subscribe", channel="pub:inbox#alice")
            await bob.err(403, "subscribe", channel="closed:inbox#alice")
            await bob.err(403, "subscribe", channel="pub:inbox#alice")
            await bob.err(403, "publish", channel="pub:inbox#alice", data=1)
            await bob.err(403, "history", channel="pub:inbox#alice")
            await alice.ok("publish", channel="pub:inbox#alice", data=1)
            await alice.err(403, "subscribe", channel="closed:inbox#alicia")
            await alice.err(400, "subscribe", channel="closed:a#b#c")
        finally:
            await alice.close()
            await bob.close()
    arun(main())


def test_subscription_tokens(hs_server):
    async def main():
        alice = await connect_token(hs_server.port, hs(claims(sub="alice")))
        bob = await connect_token(hs_server.port, hs(claims(sub="bob")))
        try:
            cid = alice.client_id
            ch = uniq("closed:private")
            await alice.err(403, "subscribe", channel=ch)
            await alice.err(403, "subscribe", channel=ch, token="garbage")
            await alice.err(403, "subscribe", channel=ch,
                            token=hs(claims(sub="alice", client=bob.client_id, channel=ch)))
            await alice.err(403, "subscribe", channel=ch,
                            token=hs(claims(sub="alice", client=cid, channel=ch + "x")))
            await alice.err(403, "subscribe", channel=ch,
                            token=hs(claims(sub="bob", client=cid, channel=ch)))
            await alice.err(403, "subscribe", channel=ch,
                            token=hs(claims(sub="alice", client=cid, channel=ch, exp_in=-600)))
            await alice.err(403, "subscribe", channel=ch,
                            token=hs(claims(sub="alice", client=cid, channel=ch), key="wrong-secret-abcdefghijkl"))
            await alice.ok("subscribe", channel=ch, token=hs(claims(sub="alice", client=cid, channel=ch)))
            await alice.ok("history", channel=ch)
            await alice.ok("presence", channel=ch)
            await bob.err(403, "history", channel=ch)
            # Someone else's user-limited channel, granted by a subscription token.
            inbox = "closed:inbox#bob"
            await alice.ok("subscribe", channel=inbox, token=hs(claims(sub="alice", client=cid, channel=inbox)))
        finally:
            await alice.close()
            await bob.close()
    arun(main())


def test_dev_mode_stays_open(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET], config=NAMESPACES, dev=True)

    async def main():
        c = await WsClient.connect(srv.port, user="dana")
        try:
            assert c.welcome["user"] == "dana"
            await c.ok("subscribe", channel=uniq("closed:x"))
            await c.ok("subscribe", channel="closed:inbox#erin")
            await c.ok("publish", channel=uniq("closed:x"), data=1)
        finally:
            await c.close()
    arun(main())
    # A bad token is still refused in --dev.
    assert_refused(srv.port, 401, "/ws?token=" + hs(claims(exp_in=-600)))


# ---------------------------------------------------------------------------
# origins
# ---------------------------------------------------------------------------

def test_origins_refused_before_the_upgrade(server_factory):
    srv = server_factory(args=["--allowed-origins", "https://example.com,http://localhost:3000"])
    for origin in ("null", "https://example.com.evil.com", "https://evilexample.com", "http://example.com",
                   "wss://example.com", "https://example.com:8443", "https://example.com.",
                   "https://user@example.com", "https://user:pw@example.com", "https://example.com/",
                   "http://localhost:3001", "http://localhost", "https://sub.example.com", ""):
        assert_refused(srv.port, 403, "/ws?user=o", extra=[("Origin", origin)], what=f"origin {origin!r}")
    for origin in ("https://example.com", "HTTPS://EXAMPLE.COM", "https://example.com:443",
                   "http://localhost:3000"):
        assert_upgrades(srv.port, "/ws?user=o", extra=[("Origin", origin)], what=f"origin {origin!r}")
    assert_upgrades(srv.port, "/ws?user=o", what="no Origin header")


def test_origin_is_checked_before_the_token(server_factory):
    srv = server_factory(args=["--jwt-secret", SECRET, "--allowed-origins", "https://example.com"], dev=False)
    good = hs(claims())
    assert_refused(srv.port, 403, "/ws?token=" + good, extra=[("Origin", "https://evil.com")])
    assert_upgrades(srv.port, "/ws?token=" + good, extra=[("Origin", "https://example.com")])


# ---------------------------------------------------------------------------
# start-up errors
# ---------------------------------------------------------------------------

def run_serve(args):
    return subprocess.run([WSHUB_BIN, "serve", "--listen", "127.0.0.1:0"] + args, capture_output=True,
                          text=True, timeout=10, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("args,needle", [
    (["--jwt-public-key", "/nonexistent/key.pem"], "cannot read"),
    (["--jwt-jwks-file", "/nonexistent/jwks.json"], "cannot read"),
    (["--jwt-algorithms", "none"], "never accepted"),
    (["--jwt-algorithms", "HS256,XX1"], "jwt-algorithms"),
    (["--jwt-leeway", "abc"], "jwt-leeway"),
])
def test_bad_token_options_exit_2(args, needle):
    r = run_serve(args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert needle in r.stderr, r.stderr


def test_key_that_fits_no_allowed_algorithm_exits_2(keys, tmp_path):
    r = run_serve(["--jwt-public-key", keys["rsa1_pem"], "--jwt-algorithms", "HS256"])
    assert r.returncode == 2 and "none of jwt_algorithms" in r.stderr, r.stderr
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    r = run_serve(["--jwt-public-key", str(bad)])
    assert r.returncode == 2 and "not a PEM public key" in r.stderr, r.stderr
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys":[{"kty":"RSA","n":"AQAB"}]}')
    r = run_serve(["--jwt-jwks-file", str(jwks)])
    assert r.returncode == 2 and "jwt_jwks_file" in r.stderr, r.stderr
