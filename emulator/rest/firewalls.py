"""Firewalls: `/v2/firewalls`, cloud firewalls applied to droplets and tags.

A firewall is kind `firewall`: inbound and outbound rules, and the droplets it
applies to, named by id (`droplet_ids`) or by tag (`tags`, so a droplet tagged
later is covered: `GET /v2/droplets/{id}/firewalls` reads both). Every change
leaves it `waiting`, with `pending_changes` for the droplets concerned, until
the clock's action delay has passed; then it is `succeeded`.

Rules: protocol `tcp`, `udp` or `icmp`; ports a port, a range `8000-9000`, or
`all`, shown as `"0"` as the API shows it (icmp takes no ports); sources and
destinations of addresses (IPs or CIDRs), droplet ids, load balancer uids,
Kubernetes cluster ids and tags. A firewall needs at least one rule, at most
50, and names at most 10 droplets by id; names are unique per account (409).
PUT replaces the whole firewall and, as the spec says, needs read access to
everything the firewall names (`droplet:read` for droplet ids, and so on).

Left out: the droplet ids, load balancer uids and Kubernetes ids given are
stored, never checked to name resources of the account.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes
from emulator.core.errors import Conflict, Unprocessable
from emulator.core.responses import no_content, one
from emulator.core.store import Record
from emulator.rest import tags as tags_family

router = APIRouter()
KIND = "firewall"

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]+$")
MAX_DROPLETS = 10
MAX_RULES = 50
ALL_PORTS = "0"
# The scope that reads what each field of a firewall or of its rules names.
READ_SCOPES = {
    "droplet_ids": "droplet:read",
    "tags": "tag:read",
    "load_balancer_uids": "load_balancer:read",
    "kubernetes_ids": "kubernetes:read",
}
TARGET_KEYS = (
    "addresses",
    "droplet_ids",
    "load_balancer_uids",
    "kubernetes_ids",
    "tags",
)


class Targets(BaseModel):
    addresses: list[str] | None = None
    droplet_ids: list[int] | None = None
    load_balancer_uids: list[str] | None = None
    kubernetes_ids: list[str] | None = None
    tags: list[str] | None = None


class InboundRule(BaseModel):
    protocol: str
    ports: str | None = None
    sources: Targets


class OutboundRule(BaseModel):
    protocol: str
    ports: str | None = None
    destinations: Targets


class Rules(BaseModel):
    inbound_rules: list[InboundRule] | None = None
    outbound_rules: list[OutboundRule] | None = None


class FirewallFields(Rules):
    name: str
    droplet_ids: list[int] | None = None
    tags: list[str] | None = None


class DropletIds(BaseModel):
    droplet_ids: list[int]


class TagNames(BaseModel):
    tags: list[str]


def _ports(protocol: str, ports: str | None) -> str:
    if protocol == "icmp" or ports in ("all", "0"):
        return ALL_PORTS
    if not ports:
        raise Unprocessable(f"ports is required for {protocol} rules")
    bounds = ports.split("-")
    if len(bounds) > 2 or not all(b.isdigit() and 1 <= int(b) <= 65535 for b in bounds):
        raise Unprocessable(
            f"ports must be a port, a range such as 8000-9000, or all: {ports}"
        )
    if len(bounds) == 2 and int(bounds[0]) > int(bounds[1]):
        raise Unprocessable(f"ports range must go from low to high: {ports}")
    return ports


def _targets(ctx: Ctx, targets: Targets, word: str) -> dict[str, Any]:
    shown = {k: v for k, v in targets.model_dump().items() if v}
    if not shown:
        raise Unprocessable(f"each rule needs at least one of {word}")
    for address in shown.get("addresses", []):
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise Unprocessable(f"invalid address: {address}") from None
    if "tags" in shown:
        shown["tags"] = tags_family.ensure_tags(ctx, shown["tags"])
    return {key: shown[key] for key in TARGET_KEYS if key in shown}


def _rule(ctx: Ctx, rule: InboundRule | OutboundRule) -> dict[str, Any]:
    protocol = rule.protocol.lower()
    if protocol not in ("tcp", "udp", "icmp"):
        raise Unprocessable(f"protocol must be tcp, udp or icmp: {rule.protocol}")
    shown: dict[str, Any] = {
        "protocol": protocol,
        "ports": _ports(protocol, rule.ports),
    }
    if isinstance(rule, InboundRule):
        shown["sources"] = _targets(ctx, rule.sources, "sources")
    else:
        shown["destinations"] = _targets(ctx, rule.destinations, "destinations")
    return shown


def _rules(ctx: Ctx, body: Rules) -> dict[str, list[dict[str, Any]]]:
    inbound = [_rule(ctx, r) for r in body.inbound_rules or []]
    outbound = [_rule(ctx, r) for r in body.outbound_rules or []]
    return {"inbound_rules": inbound, "outbound_rules": outbound}


def _check_limits(data: dict[str, Any]) -> None:
    if len(data["droplet_ids"]) > MAX_DROPLETS:
        raise Unprocessable(
            f"a firewall can apply to at most {MAX_DROPLETS} Droplets by id; use tags for more"
        )
    if len(data["inbound_rules"]) + len(data["outbound_rules"]) > MAX_RULES:
        raise Unprocessable(f"a firewall can have at most {MAX_RULES} rules")


def _fields(ctx: Ctx, body: FirewallFields, record: Record | None) -> dict[str, Any]:
    """The firewall's shown fields from a create or replace body; 422/409 if refused."""
    if not NAME.match(body.name):
        raise Unprocessable(
            "name must start with a letter or digit and contain only letters, digits, dots and dashes"
        )
    taken = resources.find_by(ctx, KIND, lambda r: r["name"] == body.name)
    if taken is not None and taken is not record:
        raise Conflict("duplicate name")
    data = {
        "name": body.name,
        **_rules(ctx, body),
        "droplet_ids": list(dict.fromkeys(body.droplet_ids or [])),
        "tags": tags_family.ensure_tags(ctx, body.tags or []),
    }
    if not data["inbound_rules"] and not data["outbound_rules"]:
        raise Unprocessable("a firewall needs at least one inbound or outbound rule")
    _check_limits(data)
    return data


def _require_read_access(ctx: Ctx, data: dict[str, Any]) -> None:
    """An update needs read access to everything the firewall names (spec, PUT)."""
    targets = [
        rule.get("sources") or rule.get("destinations") or {}
        for rule in [*data["inbound_rules"], *data["outbound_rules"]]
    ]
    named = {key for target in [data, *targets] for key, v in target.items() if v}
    for key, scope in READ_SCOPES.items():
        if key in named:
            ctx.require(scope)


def _pending(
    ctx: Ctx, droplet_ids: list[int], *, removing: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of a firewall whose change is under way, and its later completion."""
    changes = [
        {"droplet_id": d, "removing": removing, "status": "waiting"}
        for d in droplet_ids
    ]
    done = {"status": "succeeded", "pending_changes": []}
    return {"status": "waiting", "pending_changes": changes}, engine.later(ctx, done)


def _tagged(ctx: Ctx, names: list[str]) -> list[int]:
    wanted = {name.lower() for name in names}
    return [
        d["id"]
        for d in ctx.tenant.collection("droplet").ordered()
        if wanted & {t.lower() for t in d.data.get("tags") or ()}
    ]


def _change(
    ctx: Ctx,
    record: Record,
    fields: dict[str, Any],
    droplet_ids: list[int],
    *,
    removing: bool = False,
) -> None:
    state, later = _pending(ctx, droplet_ids, removing=removing)
    ctx.tx.update(record, {**fields, **state})
    ctx.tx.update_meta(record, later=later)


async def _firewall(ctx: Ctx, firewall_id: str) -> Record:
    record = FIREWALLS.lookup(ctx, firewall_id)
    return record


@router.post("/v2/firewalls", status_code=202)
async def create_firewall(
    ctx: Annotated[Ctx, authorized("firewall:create")], body: FirewallFields
) -> Response:
    fields = _fields(ctx, body, None)

    firewall_id = resources.new_uuid()
    targets = fields["droplet_ids"] + _tagged(ctx, fields["tags"])
    state, later = _pending(ctx, list(dict.fromkeys(targets)))
    data = {
        "id": firewall_id,
        "name": fields["name"],
        "status": state["status"],
        "inbound_rules": fields["inbound_rules"],
        "outbound_rules": fields["outbound_rules"],
        "created_at": resources.now(ctx),
        "droplet_ids": fields["droplet_ids"],
        "tags": fields["tags"],
        "pending_changes": state["pending_changes"],
    }
    record = resources.create(ctx, KIND, firewall_id, data, {engine.LATER: later})
    await ctx.commit()
    return one("firewall", record, status=202)


@router.put("/v2/firewalls/{firewall_id}")
async def update_firewall(
    ctx: Annotated[Ctx, authorized("firewall:update")],
    firewall_id: str,
    body: FirewallFields,
) -> Response:
    """A replace: rules, droplets and tags left out of the body are removed."""
    record = await _firewall(ctx, firewall_id)
    fields = _fields(ctx, body, record)
    _require_read_access(ctx, fields)

    targets = fields["droplet_ids"] + _tagged(ctx, fields["tags"])
    _change(ctx, record, fields, list(dict.fromkeys(targets)))
    await ctx.commit()
    return one("firewall", record)


@router.post("/v2/firewalls/{firewall_id}/droplets", status_code=204)
async def add_droplets(
    ctx: Annotated[Ctx, authorized("firewall:update")],
    firewall_id: str,
    body: DropletIds,
) -> Response:
    record = await _firewall(ctx, firewall_id)
    if not body.droplet_ids:
        raise Unprocessable("droplet_ids must name at least one Droplet")
    held = list(dict.fromkeys([*record["droplet_ids"], *body.droplet_ids]))
    _check_limits({**record.data, "droplet_ids": held})

    _change(ctx, record, {"droplet_ids": held}, body.droplet_ids)
    await ctx.commit()
    return no_content()


@router.delete("/v2/firewalls/{firewall_id}/droplets", status_code=204)
async def remove_droplets(
    ctx: Annotated[Ctx, authorized("firewall:update")],
    firewall_id: str,
    body: DropletIds,
) -> Response:
    record = await _firewall(ctx, firewall_id)
    if not body.droplet_ids:
        raise Unprocessable("droplet_ids must name at least one Droplet")
    held = [d for d in record["droplet_ids"] if d not in body.droplet_ids]

    _change(ctx, record, {"droplet_ids": held}, body.droplet_ids, removing=True)
    await ctx.commit()
    return no_content()


@router.post("/v2/firewalls/{firewall_id}/tags", status_code=204)
async def add_tags(
    ctx: Annotated[Ctx, authorized("firewall:update")],
    firewall_id: str,
    body: TagNames,
) -> Response:
    record = await _firewall(ctx, firewall_id)
    if not body.tags:
        raise Unprocessable("tags must name at least one tag")
    names = tags_family.ensure_tags(ctx, body.tags)
    held = list(dict.fromkeys([*record["tags"], *names]))

    _change(ctx, record, {"tags": held}, _tagged(ctx, names))
    await ctx.commit()
    return no_content()


@router.delete("/v2/firewalls/{firewall_id}/tags", status_code=204)
async def remove_tags(
    ctx: Annotated[Ctx, authorized("firewall:update")],
    firewall_id: str,
    body: TagNames,
) -> Response:
    record = await _firewall(ctx, firewall_id)
    if not body.tags:
        raise Unprocessable("tags must name at least one tag")
    dropped = {name.lower() for name in body.tags}
    held = [t for t in record["tags"] if t.lower() not in dropped]

    _change(ctx, record, {"tags": held}, _tagged(ctx, body.tags), removing=True)
    await ctx.commit()
    return no_content()


def _rule_changes(
    ctx: Ctx, record: Record, body: Rules, *, adding: bool
) -> dict[str, Any]:
    given = _rules(ctx, body)
    if not given["inbound_rules"] and not given["outbound_rules"]:
        raise Unprocessable(
            "inbound_rules or outbound_rules must hold at least one rule"
        )
    changes = {}
    for key, rules in given.items():
        current = record[key] or []
        if adding:
            changes[key] = current + [r for r in rules if r not in current]
        else:
            changes[key] = [r for r in current if r not in rules]
    _check_limits({**record.data, **changes})
    return changes


@router.post("/v2/firewalls/{firewall_id}/rules", status_code=204)
async def add_rules(
    ctx: Annotated[Ctx, authorized("firewall:update")], firewall_id: str, body: Rules
) -> Response:
    record = await _firewall(ctx, firewall_id)
    changes = _rule_changes(ctx, record, body, adding=True)

    _change(ctx, record, changes, [])
    await ctx.commit()
    return no_content()


@router.delete("/v2/firewalls/{firewall_id}/rules", status_code=204)
async def remove_rules(
    ctx: Annotated[Ctx, authorized("firewall:update")], firewall_id: str, body: Rules
) -> Response:
    record = await _firewall(ctx, firewall_id)
    changes = _rule_changes(ctx, record, body, adding=False)

    _change(ctx, record, changes, [])
    await ctx.commit()
    return no_content()


FIREWALLS = Family(
    kind=KIND,
    singular="firewall",
    plural="firewalls",
    path="/v2/firewalls",
    id_param="firewall_id",
    scopes=Scopes(
        read="firewall:read",
        create="firewall:create",
        update="firewall:update",
        delete="firewall:delete",
    ),
    verbs=("list", "get", "delete"),
)
engine.mount(router, FIREWALLS)
