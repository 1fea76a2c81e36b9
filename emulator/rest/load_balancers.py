"""Load Balancers: `/v2/load_balancers`, regional load balancers in front of droplets.

A load balancer is kind `load_balancer`. Create answers 202 with status `new`;
it is `active` once the clock's action delay has passed, and until then the
real API refuses changes (403). Backends are named by `droplet_ids` or by
`tag` (not both): with a tag, `droplet_ids` shows the droplets that carry it
when read, so a droplet tagged later is covered. The IP comes from a global
sequence, the VPC is the region's default unless `vpc_uuid` names one of the
account's VPCs there, and health checks, sticky sessions and the rest get
the API's defaults. Deleting a droplet removes it from `droplet_ids`
(droplets/destroy.py).

Droplets named by id must be the account's, in the load balancer's region; a
`project_id` must name a project of the account (the spec: "If an invalid
project ID is provided, the load balancer will not be created"). An update
cannot move a load balancer to another region or VPC; its `project_id` is
ignored there (projects move resources through the Projects API).

Left out: global load balancers (`type: GLOBAL`) answer 501. Purging the CDN
cache has nothing to purge and answers 204.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes
from emulator.core.errors import Forbidden, NotEmulated, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, raw
from emulator.core.store import Record
from emulator.rest import projects, tags, vpcs

router = APIRouter()
KIND = "load_balancer"

# Public addresses handed out in order, one per load balancer, from 45.55.0.0.
FIRST_IP = int(ipaddress.IPv4Address("45.55.0.0"))
BUSY = "Load Balancer can't be updated while it processes previous actions"
ONE_BACKEND_KIND = "a load balancer takes droplet_ids or tag, not both"

EntryProtocol = Literal["http", "https", "http2", "http3", "tcp", "udp"]
TargetProtocol = Literal["http", "https", "http2", "tcp", "udp"]


class ForwardingRule(BaseModel):
    entry_protocol: EntryProtocol
    entry_port: int = Field(ge=1, le=65535)
    target_protocol: TargetProtocol
    target_port: int = Field(ge=1, le=65535)
    certificate_id: str = ""
    tls_passthrough: bool = False


class HealthCheck(BaseModel):
    protocol: Literal["http", "https", "tcp"] = "http"
    port: int = Field(80, ge=1, le=65535)
    path: str = "/"
    check_interval_seconds: int = Field(10, ge=3, le=300)
    response_timeout_seconds: int = Field(5, ge=3, le=300)
    healthy_threshold: int = Field(5, ge=2, le=10)
    unhealthy_threshold: int = Field(3, ge=2, le=10)


class StickySessions(BaseModel):
    type: Literal["cookies", "none"] = "none"
    cookie_name: str | None = None
    cookie_ttl_seconds: int | None = Field(None, ge=1)


class LoadBalancerFirewall(BaseModel):
    deny: list[str] = []
    allow: list[str] = []


class LoadBalancerFields(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    region: str | None = None
    size_unit: int = Field(1, ge=1, le=100)
    size: Literal["lb-small", "lb-medium", "lb-large"] = "lb-small"
    algorithm: Literal["round_robin", "least_connections"] = "round_robin"
    forwarding_rules: list[ForwardingRule] = Field(min_length=1)
    health_check: HealthCheck = HealthCheck.model_validate({})
    sticky_sessions: StickySessions = StickySessions.model_validate({})
    redirect_http_to_https: bool = False
    enable_proxy_protocol: bool = False
    enable_backend_keepalive: bool = False
    http_idle_timeout_seconds: int = Field(60, ge=30, le=600)
    vpc_uuid: str | None = None
    project_id: str | None = None
    disable_lets_encrypt_dns_records: bool = False
    firewall: LoadBalancerFirewall = LoadBalancerFirewall.model_validate({})
    network: Literal["EXTERNAL", "INTERNAL"] = "EXTERNAL"
    network_stack: Literal["IPV4", "DUALSTACK"] = "IPV4"
    type: Literal["REGIONAL", "REGIONAL_NETWORK", "GLOBAL"] = "REGIONAL"
    tls_cipher_policy: Literal["DEFAULT", "STRONG"] = "DEFAULT"
    droplet_ids: list[int] | None = None
    tag: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _nulls_mean_defaults(cls, data: Any) -> Any:
        # Clients that send every field, null for those left alone, get the defaults.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class DropletIds(BaseModel):
    droplet_ids: list[int]


class ForwardingRules(BaseModel):
    forwarding_rules: list[ForwardingRule]


def _check_rules(ctx: Ctx, rules: list[ForwardingRule]) -> list[dict[str, Any]]:
    for rule in rules:
        if (
            rule.certificate_id
            and ctx.tenant.get("certificate", rule.certificate_id) is None
        ):
            raise Unprocessable(f"certificate {rule.certificate_id} not found")
    return [rule.model_dump() for rule in rules]


def _sticky_sessions(value: StickySessions) -> dict[str, Any]:
    if value.type == "none":
        return {"type": "none"}
    # The control panel's defaults, which the API applies too.
    return {
        "type": "cookies",
        "cookie_name": value.cookie_name or "DO-LB",
        "cookie_ttl_seconds": value.cookie_ttl_seconds or 300,
    }


def _firewall(value: LoadBalancerFirewall) -> dict[str, Any]:
    for entry in [*value.deny, *value.allow]:
        kind, _, address = entry.partition(":")
        try:
            if kind not in ("ip", "cidr"):
                raise ValueError(entry)
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise Unprocessable(
                f"firewall rules must read ip:<address> or cidr:<block>: {entry}"
            ) from None
    return value.model_dump()


def _backends(ctx: Ctx, body: LoadBalancerFields) -> dict[str, Any]:
    if body.droplet_ids and body.tag:
        raise Unprocessable(ONE_BACKEND_KIND)
    tag = tags.ensure_tags(ctx, [body.tag])[0] if body.tag else ""
    return {
        "tag": tag,
        "droplet_ids": [] if tag else list(dict.fromkeys(body.droplet_ids or [])),
    }


def _settings(ctx: Ctx, body: LoadBalancerFields) -> dict[str, Any]:
    """The fields a create or an update sets, checked; 422 otherwise."""
    if body.type == "GLOBAL":
        raise NotEmulated("global load balancers are not emulated")
    return {
        "name": body.name,
        "size_unit": body.size_unit,
        "size": body.size,
        "algorithm": body.algorithm,
        "forwarding_rules": _check_rules(ctx, body.forwarding_rules),
        "health_check": body.health_check.model_dump(),
        "sticky_sessions": _sticky_sessions(body.sticky_sessions),
        "redirect_http_to_https": body.redirect_http_to_https,
        "enable_proxy_protocol": body.enable_proxy_protocol,
        "enable_backend_keepalive": body.enable_backend_keepalive,
        "http_idle_timeout_seconds": body.http_idle_timeout_seconds,
        "disable_lets_encrypt_dns_records": body.disable_lets_encrypt_dns_records,
        "firewall": _firewall(body.firewall),
        "network": body.network,
        "network_stack": body.network_stack,
        "type": body.type,
        "tls_cipher_policy": body.tls_cipher_policy,
        **_backends(ctx, body),
    }


def _region(ctx: Ctx, slug: str | None) -> dict[str, Any]:
    if not slug:
        raise Unprocessable("region is required")
    region = ctx.catalogue.region(slug)
    if region is None or not region.get("available", True):
        raise Unprocessable(f"region {slug} is not available")
    return region


def _vpc_uuid(ctx: Ctx, vpc_uuid: str | None, region: str) -> str:
    if not vpc_uuid:
        return str(vpcs.default_vpc(ctx, region).id)
    vpc = ctx.tenant.get(vpcs.KIND, vpc_uuid)
    if vpc is None or vpc["region"] != region:
        raise Unprocessable(f"vpc {vpc_uuid} is not a VPC of this account in {region}")
    return vpc_uuid


def _project(ctx: Ctx, project_id: str | None) -> str | None:
    """The account's project named `project_id` (422 if none), or None for the default."""
    if project_id and ctx.tenant.get(projects.KIND, project_id) is None:
        raise Unprocessable(f"project {project_id} not found")
    return project_id or None


def _check_droplets(ctx: Ctx, droplet_ids: list[int], region: str) -> None:
    for droplet_id in droplet_ids:
        droplet = ctx.tenant.get("droplet", droplet_id)
        if droplet is None:
            raise Unprocessable(f"droplet {droplet_id} not found")
        if droplet["region"]["slug"] != region:
            raise Unprocessable(
                f"droplet {droplet_id} is in {droplet['region']['slug']}: a load balancer's droplets must be in its region, {region}"
            )


def _view(ctx: Ctx, record: Record) -> dict[str, Any]:
    """The load balancer as shown: a tag's droplets are those carrying it now."""
    tag = record["tag"]
    if not tag:
        return record.data
    wanted = tag.lower()
    tagged = [
        d["id"]
        for d in ctx.tenant.collection("droplet").ordered()
        if wanted in {t.lower() for t in d.data.get("tags") or ()}
    ]
    return {**record.data, "droplet_ids": tagged}


async def _balancer(ctx: Ctx, lb_id: str, *, changing: bool = False) -> Record:
    record = LOAD_BALANCERS.lookup(ctx, lb_id)
    if changing and record["status"] == "new":
        raise Forbidden(BUSY)
    return record


@router.get("/v2/load_balancers")
async def list_load_balancers(
    ctx: Annotated[Ctx, authorized("load_balancer:read")], page: PageDep
) -> Response:
    balancers = ctx.tenant.collection(KIND).ordered()
    shown = [_view(ctx, record) for record in page.slice(balancers)]
    total = len(balancers)
    return raw(
        {"load_balancers": shown, "links": page.links(total), "meta": {"total": total}}
    )


@router.post("/v2/load_balancers", status_code=202)
async def create_load_balancer(
    ctx: Annotated[Ctx, authorized("load_balancer:create")], body: LoadBalancerFields
) -> Response:
    settings = _settings(ctx, body)
    region = _region(ctx, body.region)
    _check_droplets(ctx, settings["droplet_ids"], region["slug"])
    vpc_uuid = _vpc_uuid(ctx, body.vpc_uuid, region["slug"])
    project_id = _project(ctx, body.project_id)

    lb_id = resources.new_uuid()
    number = resources.new_id(ctx, "load_balancer_ip", start=0)
    data = {
        "id": lb_id,
        "ip": str(ipaddress.IPv4Address(FIRST_IP + number)),
        "ipv6": "",
        "status": "new",
        "created_at": resources.now(ctx),
        "region": region,
        "vpc_uuid": vpc_uuid,
        "project_id": project_id or projects.default_project(ctx).id,
        **settings,
    }
    later = engine.later(ctx, {"status": "active"})
    record = resources.create(ctx, KIND, lb_id, data, {engine.LATER: later})
    projects.assign_default(ctx, resources.urn(KIND, lb_id), project_id)
    await ctx.commit()
    return raw({"load_balancer": _view(ctx, record)}, status=202)


@router.get("/v2/load_balancers/{lb_id}")
async def get_load_balancer(
    ctx: Annotated[Ctx, authorized("load_balancer:read")], lb_id: str
) -> Response:
    record = await _balancer(ctx, lb_id)
    return raw({"load_balancer": _view(ctx, record)})


@router.put("/v2/load_balancers/{lb_id}")
async def update_load_balancer(
    ctx: Annotated[Ctx, authorized("load_balancer:update")],
    lb_id: str,
    body: LoadBalancerFields,
) -> Response:
    """A replace of the settings; the region and the VPC cannot change."""
    record = await _balancer(ctx, lb_id, changing=True)
    region = record["region"]["slug"]
    if body.region and body.region != region:
        raise Unprocessable("the region of a load balancer cannot change")
    if body.vpc_uuid and body.vpc_uuid != record["vpc_uuid"]:
        raise Unprocessable("the VPC of a load balancer cannot change")
    settings = _settings(ctx, body)
    _check_droplets(ctx, settings["droplet_ids"], region)

    ctx.tx.update(record, settings)
    await ctx.commit()
    return raw({"load_balancer": _view(ctx, record)})


@router.delete("/v2/load_balancers/{lb_id}/cache", status_code=204)
async def purge_cache(
    ctx: Annotated[Ctx, authorized("load_balancer:delete")], lb_id: str
) -> Response:
    await _balancer(ctx, lb_id)
    return no_content()


def _with_ids(record: Record, body: DropletIds) -> None:
    if not body.droplet_ids:
        raise Unprocessable("need to provide either a tag or a list of droplets")
    if record["tag"]:
        raise Unprocessable(
            f"this load balancer's droplets are those tagged {record['tag']}: {ONE_BACKEND_KIND}"
        )


@router.post("/v2/load_balancers/{lb_id}/droplets", status_code=204)
async def add_droplets(
    ctx: Annotated[Ctx, authorized("load_balancer:update")],
    lb_id: str,
    body: DropletIds,
) -> Response:
    record = await _balancer(ctx, lb_id, changing=True)
    _with_ids(record, body)
    _check_droplets(ctx, body.droplet_ids, record["region"]["slug"])

    held = list(dict.fromkeys([*record["droplet_ids"], *body.droplet_ids]))
    ctx.tx.update(record, droplet_ids=held)
    await ctx.commit()
    return no_content()


@router.delete("/v2/load_balancers/{lb_id}/droplets", status_code=204)
async def remove_droplets(
    ctx: Annotated[Ctx, authorized("load_balancer:update")],
    lb_id: str,
    body: DropletIds,
) -> Response:
    record = await _balancer(ctx, lb_id, changing=True)
    _with_ids(record, body)

    held = [d for d in record["droplet_ids"] if d not in body.droplet_ids]
    ctx.tx.update(record, droplet_ids=held)
    await ctx.commit()
    return no_content()


def _same_rule(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("entry_protocol", "entry_port", "target_protocol", "target_port")
    return all(a[k] == b[k] for k in keys)


@router.post("/v2/load_balancers/{lb_id}/forwarding_rules", status_code=204)
async def add_forwarding_rules(
    ctx: Annotated[Ctx, authorized("load_balancer:update")],
    lb_id: str,
    body: ForwardingRules,
) -> Response:
    record = await _balancer(ctx, lb_id, changing=True)
    given = _check_rules(ctx, body.forwarding_rules)
    if not given:
        raise Unprocessable("forwarding_rules must hold at least one rule")

    current = record["forwarding_rules"]
    new = [r for r in given if not any(_same_rule(r, c) for c in current)]
    ctx.tx.update(record, forwarding_rules=current + new)
    await ctx.commit()
    return no_content()


@router.delete("/v2/load_balancers/{lb_id}/forwarding_rules", status_code=204)
async def remove_forwarding_rules(
    ctx: Annotated[Ctx, authorized("load_balancer:update")],
    lb_id: str,
    body: ForwardingRules,
) -> Response:
    record = await _balancer(ctx, lb_id, changing=True)
    given = [rule.model_dump() for rule in body.forwarding_rules]
    if not given:
        raise Unprocessable("forwarding_rules must hold at least one rule")

    kept = [
        c
        for c in record["forwarding_rules"]
        if not any(_same_rule(r, c) for r in given)
    ]
    if not kept:
        raise Unprocessable("a load balancer needs at least one forwarding rule")
    ctx.tx.update(record, forwarding_rules=kept)
    await ctx.commit()
    return no_content()


def _on_delete(ctx: Ctx, record: Record) -> None:
    projects.unassign(ctx, resources.urn(KIND, record.id))


LOAD_BALANCERS = Family(
    kind=KIND,
    singular="load_balancer",
    plural="load_balancers",
    path="/v2/load_balancers",
    id_param="lb_id",
    scopes=Scopes(
        read="load_balancer:read",
        create="load_balancer:create",
        update="load_balancer:update",
        delete="load_balancer:delete",
    ),
    on_delete=_on_delete,
    verbs=("delete",),
)
engine.mount(router, LOAD_BALANCERS)
