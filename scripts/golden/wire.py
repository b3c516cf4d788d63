"""What record.py and compare.py both speak: HS256 tokens minted as the original's PyJWT
wrote them, and one HTTP exchange that keeps the bytes and headers exactly as sent.
Standard library only."""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.parse


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mint_jwt(claims: dict, key: str, alg: str = "HS256", header: dict | None = None) -> str:
    """Compact JWS like PyJWT writes it: header {"alg","typ"} then claims, no spaces."""
    hdr = header if header is not None else {"alg": alg, "typ": "JWT"}
    h = b64url(json.dumps(hdr, separators=(",", ":")).encode())
    p = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{h}.{p}".encode()
    if alg == "none":
        return f"{h}.{p}."
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(key.encode(), signing_input, digest).digest()
    return f"{h}.{p}.{b64url(sig)}"


def user_token(user_id: str | int, key: str, exp: int | None = None) -> str:
    if exp is None:
        exp = int(time.time()) + 3600
    return mint_jwt({"exp": exp, "sub": str(user_id)}, key)


def send(base: str, method: str, path: str, headers: dict, body: bytes | None):
    """One request to `base` + `path`; answers (status, lower-cased headers joined, body)."""
    u = urllib.parse.urlsplit(base)
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    prefix = u.path.rstrip("/")
    conn = cls(u.hostname, u.port or (443 if u.scheme == "https" else 80), timeout=60)
    try:
        conn.putrequest(method, prefix + path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        hdrs: dict[str, str] = {}
        for k, v in resp.getheaders():
            lk = k.lower()
            hdrs[lk] = v if lk not in hdrs else hdrs[lk] + ", " + v
        return resp.status, hdrs, data
    finally:
        conn.close()
