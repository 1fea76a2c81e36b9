"""The scopes an OAuth app may ask for, as DigitalOcean names them.

Two vocabularies: the legacy `read` and `write` (`read write` is full access),
and the custom `<resource>:<action>` scopes of the token scopes page. Anything
else is refused on the authorize page, as the real server does with "The
requested scope is invalid, unknown, or malformed."
"""

from __future__ import annotations

from emulator.core.tenants import parse_scopes

DEFAULT_SCOPE = "read"  # what the OAuth docs say an omitted scope means

_CRUD = ("read", "create", "update", "delete")
# Resource -> actions, from DigitalOcean's token scopes reference.
KNOWN: dict[str, tuple[str, ...]] = {
    "account": ("read",),
    "actions": ("read",),
    "addon": _CRUD,
    "api": ("read", "write"),
    "app": (*_CRUD, "access_console"),
    "billing": ("read",),
    "block_storage": ("read", "create", "delete"),
    "block_storage_action": ("read", "create"),
    "block_storage_snapshot": ("read", "create", "delete"),
    "byoip_prefix": ("read", "create", "delete", "write"),
    "cdn": _CRUD,
    "certificate": ("read", "create", "delete"),
    "database": (*_CRUD, "view_credentials", "write"),
    "dedicated_inference": _CRUD,
    "dedicated_inference_tokens": ("read", "create", "delete"),
    "domain": _CRUD,
    "droplet": (*_CRUD, "admin"),
    "firewall": _CRUD,
    "function": (*_CRUD, "admin"),
    "genai": (*_CRUD, "default"),
    "image": _CRUD,
    "kubernetes": (*_CRUD, "access_cluster"),
    "load_balancer": _CRUD,
    "monitoring": _CRUD,
    "nat_gateway": _CRUD,
    "nfs": ("read", "create", "delete", "list"),
    "organization": ("read", "create"),
    "partner_network_connect": ("read", "create", "write"),
    "project": (*_CRUD, "assign_resource"),
    "regions": ("read",),
    "registry": _CRUD,
    "reserved_ip": _CRUD,
    "security": _CRUD,
    "sizes": ("read",),
    "snapshot": ("read", "delete"),
    "spaces_key": ("read", "update", "delete", "create_credentials"),
    "ssh_key": _CRUD,
    "tag": ("read", "create", "delete"),
    "uptime": _CRUD,
    "vpc": _CRUD,
    "vpc_peering": _CRUD,
}

_LEGACY = {
    "read": "Read: view every resource of the account",
    "write": "Write: create, change and delete every resource of the account",
}


class InvalidScope(ValueError):
    pass


def normalise(scope: str | None) -> str:
    """The requested scope as one space-separated string, refused if unknown.

    Word order is kept and repeats dropped; `api:read`/`api:write` stand for
    `read`/`write`, as they do behind read-only and full-access tokens.
    """
    words = (scope or "").replace(",", " ").split() or [DEFAULT_SCOPE]
    kept: list[str] = []
    for word in words:
        resource, _, action = word.partition(":")
        known = word in _LEGACY or action in KNOWN.get(resource, ())
        if not known:
            raise InvalidScope(word)
        if word not in kept:
            kept.append(word)
    return " ".join(kept)


def granted(scope: str) -> frozenset[str]:
    """The scope set REST checks, for a normalised scope string."""
    words = [
        {"api:read": "read", "api:write": "write"}.get(word, word)
        for word in scope.split()
    ]
    return parse_scopes(words)


def describe(scope: str) -> list[str]:
    """One line per scope, for the consent page."""
    lines = []
    for word in scope.split():
        resource, _, action = word.partition(":")
        legacy = {"api:read": "read", "api:write": "write"}.get(word, word)
        if legacy in _LEGACY:
            lines.append(_LEGACY[legacy])
        else:
            lines.append(f"{resource.replace('_', ' ')}: {action.replace('_', ' ')}")
    return lines
