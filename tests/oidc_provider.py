"""A small, real OpenID Connect provider for tests, on a free local port.

It serves discovery, /authorize (approves the configured person at once and sends the
browser back with a code), /token (an RS256-signed ID token, after checking the client,
the code, the redirect address and the PKCE verifier), /jwks and /userinfo.

`provider.person` is who signs in; `provider.tamper` makes the next ID token wrong in one
way ("signature", "audience", "issuer", "expired"), so tests can prove each is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "healthlead-tests"
CLIENT_SECRET = "a-client-secret-for-tests-only"
KEY_ID = "test-key-1"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Grant:
    claims: dict[str, Any]
    nonce: str | None
    redirect_uri: str
    code_challenge: str | None


@dataclass
class Provider:
    """What the provider knows: its address, keys, who signs in, and issued codes."""

    issuer: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    # A second key, not published: tokens signed with it must be refused.
    stranger_key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    person: dict[str, Any] = field(default_factory=dict)
    id_token_extra: dict[str, Any] = field(default_factory=dict)
    tamper: str = ""
    grants: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0

    def settings(self) -> dict[str, Any]:
        """The Healthlead settings that point at this provider."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_RP_SIGN_ALGO": "RS256",
        }

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.claims["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **self.id_token_extra,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        key = self.key
        if self.tamper == "signature":
            key = self.stranger_key
        elif self.tamper == "audience":
            claims["aud"] = "some-other-service"
        elif self.tamper == "issuer":
            claims["iss"] = "https://impostor.example"
        elif self.tamper == "expired":
            claims["iat"] = now - 3600
            claims["exp"] = now - 1800
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


class _Handler(BaseHTTPRequestHandler):
    provider: Provider  # set on the subclass made for each server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet under pytest

    def _json(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(self.provider.discovery())
        elif url.path == "/jwks":
            self._json(self.provider.jwks())
        elif url.path == "/authorize":
            self._authorize(query)
        elif url.path == "/userinfo":
            self._userinfo()
        else:
            self._json({"error": "not_found"}, 404)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/token":
            self._json({"error": "not_found"}, 404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self._token(form)

    def _authorize(self, query: dict[str, str]) -> None:
        provider = self.provider
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            self._json({"error": "unauthorized_client"}, 400)
            return
        if "openid" not in query.get("scope", "").split():
            self._json({"error": "invalid_scope"}, 400)
            return
        code = secrets.token_urlsafe(16)
        provider.grants[code] = _Grant(
            claims=dict(provider.person),
            nonce=query.get("nonce"),
            redirect_uri=query["redirect_uri"],
            code_challenge=query.get("code_challenge"),
        )
        back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        self.send_response(302)
        self.send_header("Location", back)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, form: dict[str, str]) -> None:
        provider = self.provider
        provider.token_requests += 1
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            self._json({"error": "invalid_client"}, 401)
            return
        grant = provider.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            self._json({"error": "invalid_grant"}, 400)
            return
        if grant.code_challenge is not None:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant.code_challenge:
                self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                return
        access_token = secrets.token_urlsafe(24)
        provider.access_tokens[access_token] = grant.claims
        self._json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": provider.id_token(grant),
            }
        )

    def _userinfo(self) -> None:
        header = self.headers.get("Authorization", "")
        claims = self.provider.access_tokens.get(header.removeprefix("Bearer "))
        if claims is None:
            self._json({"error": "invalid_token"}, 401)
            return
        self._json(claims)


@contextmanager
def running_provider() -> Iterator[Provider]:
    """A provider serving on 127.0.0.1 on a free port until the block ends."""
    provider = Provider()
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
