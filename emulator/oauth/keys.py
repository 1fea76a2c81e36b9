"""The key that signs OAuth tokens, and the JWTs it signs and checks.

One RSA key is generated the first time and kept as PEM in the data directory
(`<data_dir>/oauth/signing-key.pem`), so tokens stay valid across restarts; with
`--in-memory` it lives and dies with the process. Its public half is served as
a JWK set at `/.well-known/jwks.json` so a client can verify tokens itself.

Tokens carry DigitalOcean's prefixes, which secret scanners look for: the
string a client sees is `doo_v1_` (access) or `dor_v1_` (refresh) followed by
the JWT. Only RS256 is accepted on the way back, so `alg: none` and HS256
tokens forged with the public key fail.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from emulator.core.config import Settings

log = logging.getLogger(__name__)

ACCESS_PREFIX = "doo_v1_"
REFRESH_PREFIX = "dor_v1_"
ALGORITHM = "RS256"


class InvalidToken(Exception):
    """The string is not a token this emulator signed, or not of the kind expected."""


class SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        self.kid = _thumbprint(jwk)
        self.jwk = {**jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    @classmethod
    def load_or_create(cls, settings: Settings) -> SigningKey:
        if settings.in_memory:
            return cls(_generate())
        path = settings.data_dir / "oauth" / "signing-key.pem"
        if path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key")
            return cls(loaded)
        key = _generate()
        _write_private(path, key)
        log.info("oauth signing key created in %s", path.parent)
        return cls(key)

    def sign(self, prefix: str, claims: dict[str, Any]) -> str:
        encoded = jwt.encode(
            claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid}
        )
        return prefix + encoded

    def verify(self, prefix: str, token: str) -> dict[str, Any]:
        """The claims of `token`, checked for signature only: expiry is the caller's.

        Expiry follows the emulator's clock (which tests move), not the wall clock
        PyJWT would use.
        """
        if not token.startswith(prefix):
            raise InvalidToken("wrong prefix")
        try:
            claims: dict[str, Any] = jwt.decode(
                token[len(prefix) :],
                self.public_key,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return claims


def looks_like_ours(token: str) -> bool:
    """A prefixed JWT: ours to accept or refuse, never a permissive-mode account name."""
    return token.startswith((ACCESS_PREFIX, REFRESH_PREFIX)) and token.count(".") == 2


def _generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the key's id is the hash of its required members, so it never drifts."""
    members = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
    digest = hashlib.sha256(orjson.dumps(members, option=orjson.OPT_SORT_KEYS)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
