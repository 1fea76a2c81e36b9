"""Request signatures as Spaces checks them: SigV4 (header and presigned) and SigV2.

`signed_by(request)` tells which access key a request claims and how it is
signed, without any secret; `verify(claim, secret)` then recomputes the
signature with the key's secret and says why it does not match, in S3's error
codes. The region in a SigV4 credential scope is whatever the client chose
(`us-east-1`, `nyc3`, ...): Spaces accepts any, so it is only used to derive
the signing key, never checked.

Canonical forms are computed from the request as it came off the wire (the raw
path, the raw query), since that is what the client signed. Clients differ in
how they escape a path or a query value, so each is tried as sent and in the
normalised form; a forged signature matches neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from calendar import timegm
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

# A signed request older (or newer) than this is refused as S3 does.
MAX_SKEW_SECONDS = 15 * 60
# Sub-resources that SigV2 includes in the string it signs (the S3 list).
_V2_SUBRESOURCES = frozenset(
    "acl cors delete lifecycle location logging notification partNumber policy "
    "requestPayment response-cache-control response-content-disposition "
    "response-content-encoding response-content-language response-content-type "
    "response-expires restore tagging torrent uploadId uploads versionId "
    "versioning versions website".split()
)
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_SIGNED_HEADERS = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-fA-F]+)")


class SignatureError(Exception):
    """A refused signature: `code` is the S3 error code, status 403 unless said."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class Wire:
    """What a signature covers, taken from the ASGI scope."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # lower-case names, repeated values joined by ","
    query: list[tuple[str, str]] = field(default_factory=list)
    # SigV2 signs the path-style resource (`/bucket/key`) whatever the host.
    resource: str = ""


@dataclass
class Claim:
    """The key a request says it is signed with, and how."""

    access_key: str
    version: str  # "v4-header", "v4-query", "v2-header", "v2-query"
    signature: str
    scope: str = ""
    signed_headers: list[str] = field(default_factory=list)
    timestamp: str = ""
    expires: int = 0


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def signed_by(wire: Wire) -> Claim | None:
    """The claim of a signed request, None for an anonymous one; raise when malformed."""
    header = wire.headers.get("authorization", "")
    params = dict(wire.query)
    if header.startswith("AWS4-HMAC-SHA256"):
        credential = _CREDENTIAL.search(header)
        signed = _SIGNED_HEADERS.search(header)
        signature = _SIGNATURE.search(header)
        if not (credential and signed and signature):
            raise SignatureError(
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed.",
                400,
            )
        access_key, _, scope = credential.group(1).partition("/")
        return Claim(
            access_key,
            "v4-header",
            signature.group(1).lower(),
            scope=scope,
            signed_headers=signed.group(1).split(";"),
            timestamp=wire.headers.get("x-amz-date", ""),
        )
    if header.startswith("AWS "):
        access_key, _, signature = header[4:].strip().partition(":")
        return Claim(access_key, "v2-header", signature)
    if params.get("X-Amz-Algorithm") == "AWS4-HMAC-SHA256":
        access_key, _, scope = params.get("X-Amz-Credential", "").partition("/")
        try:
            expires = int(params.get("X-Amz-Expires", "0"))
        except ValueError:
            expires = -1
        return Claim(
            access_key,
            "v4-query",
            params.get("X-Amz-Signature", "").lower(),
            scope=scope,
            signed_headers=params.get("X-Amz-SignedHeaders", "host").split(";"),
            timestamp=params.get("X-Amz-Date", ""),
            expires=expires,
        )
    if "AWSAccessKeyId" in params and "Signature" in params:
        try:
            expires = int(params.get("Expires", "0"))
        except ValueError:
            expires = -1
        return Claim(
            params["AWSAccessKeyId"], "v2-query", params["Signature"], expires=expires
        )
    return None


def verify(wire: Wire, claim: Claim, secret: str, *, now: float | None = None) -> None:
    """Return when `claim` is a valid signature by `secret`; raise SignatureError if not."""
    now = time.time() if now is None else now
    if claim.version.startswith("v4"):
        _verify_v4(wire, claim, secret, now)
    else:
        _verify_v2(wire, claim, secret, now)


def _amz_time(value: str) -> float:
    try:
        return timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise SignatureError(
            "AccessDenied",
            "AWS authentication requires a valid Date or x-amz-date header",
        ) from None


def _verify_v4(wire: Wire, claim: Claim, secret: str, now: float) -> None:
    signed_at = _amz_time(claim.timestamp)
    if claim.version == "v4-header":
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise SignatureError(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        payload = wire.headers.get("x-amz-content-sha256", "")
        if not payload:
            raise SignatureError(
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
                400,
            )
        excluded = "\0"
    else:
        if claim.expires < 1 or claim.expires > 604800:
            raise SignatureError(
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be between 1 and 604800 seconds.",
                400,
            )
        if now > signed_at + claim.expires:
            raise SignatureError("AccessDenied", "Request has expired")
        payload = dict(wire.query).get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
        excluded = "X-Amz-Signature"
    scope_parts = claim.scope.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aws4_request":
        raise SignatureError(
            "AuthorizationHeaderMalformed", "The credential scope is malformed.", 400
        )
    date, region, service, _ = scope_parts
    canonical_headers = "".join(
        f"{name}:{_trim(wire.headers.get(name, ''))}\n" for name in claim.signed_headers
    )
    signed_list = ";".join(claim.signed_headers)
    key = _v4_key(secret, date, region, service)
    for path in _path_forms(wire.raw_path):
        for query in _query_forms(wire.raw_query, excluded):
            canonical = "\n".join(
                (wire.method, path, query, canonical_headers, signed_list, payload)
            )
            to_sign = "\n".join(
                (
                    "AWS4-HMAC-SHA256",
                    claim.timestamp,
                    claim.scope,
                    hashlib.sha256(canonical.encode()).hexdigest(),
                )
            )
            expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, claim.signature):
                return
    raise SignatureError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )


def _v4_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _trim(value: str) -> str:
    return " ".join(value.split())


def _path_forms(raw_path: str) -> list[str]:
    forms = [raw_path or "/"]
    normalised = quote(unquote(raw_path), safe="/~")
    if normalised not in forms:
        forms.append(normalised)
    return forms


def _query_forms(raw_query: str, excluded: str) -> list[str]:
    raw = [p.partition("=") for p in raw_query.split("&") if p]
    raw = [(k, v) for k, _, v in raw if unquote(k) != excluded]
    as_sent = "&".join(f"{k}={v}" for k, v in sorted(raw))
    normalised = "&".join(
        f"{k}={v}"
        for k, v in sorted(
            (quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
            for k, v in raw
        )
    )
    return [as_sent] if as_sent == normalised else [normalised, as_sent]


def _verify_v2(wire: Wire, claim: Claim, secret: str, now: float) -> None:
    headers = wire.headers
    if claim.version == "v2-query":
        if claim.expires < 0 or now > claim.expires:
            raise SignatureError("AccessDenied", "Request has expired")
        when = str(claim.expires)
    else:
        when = "" if "x-amz-date" in headers else headers.get("date", "")
        stamp = headers.get("x-amz-date") or headers.get("date", "")
        try:
            signed_at = parsedate_to_datetime(stamp).timestamp()
        except (TypeError, ValueError):
            raise SignatureError(
                "AccessDenied",
                "AWS authentication requires a valid Date or x-amz-date header",
            ) from None
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise SignatureError(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
    amz = "".join(
        f"{name}:{_trim(headers[name])}\n"
        for name in sorted(headers)
        if name.startswith("x-amz-")
    )
    sub = sorted(
        (k, v) for k, v in query_pairs(wire.raw_query) if k in _V2_SUBRESOURCES
    )
    resource = wire.resource or wire.raw_path
    if sub:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in sub)
    to_sign = "\n".join(
        (
            wire.method,
            headers.get("content-md5", ""),
            headers.get("content-type", ""),
            when,
            amz + resource,
        )
    )
    digest = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
    expected = base64.b64encode(digest).decode()
    if not hmac.compare_digest(expected, claim.signature):
        raise SignatureError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
