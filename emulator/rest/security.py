"""Security (CSPM): scans of the account's droplets against a few rules.

A scan is `IN_PROGRESS` until the clock's action delay has passed; its
findings are worked out when it is created, from the droplets the account
holds then: backups off, monitoring off, no cloud firewall. Resources excluded by a scan rule (a false
positive) and suppressions of a rule for a resource leave the findings of later
scans. `tier_coverage` is stored as given and changes nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, StrictStr
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record

router = APIRouter()
SCAN = "security_scan"
SUPPRESSION = "security_suppression"
EXCLUSION = "security_exclusion"
SETTINGS = "security_settings"
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

# The rules checked, with DigitalOcean's own rule names.
RULES: list[dict[str, Any]] = [
    {
        "rule_uuid": "3f6b2f7e-6a8e-4f2c-9d51-0c8a1b6e7d01",
        "name": "Droplet Backups Not Enabled",
        "severity": "HIGH",
        "details": "This Droplet has no automated backups enabled.",
        "business_impact": "Without a completed backup, hardware failure, ransomware or an accidental deletion can lose data for good.",
        "technical_details": "Backups run on a weekly or daily schedule once enabled on the Droplet.",
        "mitigation_steps": [
            {
                "step": 1,
                "title": "Enable backups",
                "description": "Turn on automated backups for this Droplet.",
            }
        ],
        "test": lambda ctx, droplet: "backups" not in droplet["features"],
    },
    {
        "rule_uuid": "3f6b2f7e-6a8e-4f2c-9d51-0c8a1b6e7d02",
        "name": "Droplet Monitoring Not Enabled",
        "severity": "LOW",
        "details": "The metrics agent is not enabled on this Droplet.",
        "business_impact": "Resource exhaustion and outages go unnoticed without metrics and alerts.",
        "technical_details": "The DigitalOcean metrics agent reports CPU, memory and disk usage.",
        "mitigation_steps": [
            {
                "step": 1,
                "title": "Install the agent",
                "description": "Install the DigitalOcean metrics agent on the Droplet.",
            }
        ],
        "test": lambda ctx, droplet: "monitoring" not in droplet["features"],
    },
    {
        "rule_uuid": "3f6b2f7e-6a8e-4f2c-9d51-0c8a1b6e7d03",
        "name": "Droplet Not Protected by a Cloud Firewall",
        "severity": "MEDIUM",
        "details": "No Cloud Firewall applies to this Droplet.",
        "business_impact": "Every port the Droplet listens on is reachable from the Internet.",
        "technical_details": "Cloud Firewalls filter traffic before it reaches the Droplet.",
        "mitigation_steps": [
            {
                "step": 1,
                "title": "Add a firewall",
                "description": "Create a Cloud Firewall and apply it to this Droplet.",
            }
        ],
        "test": lambda ctx, droplet: not _has_firewall(ctx, droplet),
    },
]
RULES_BY_UUID = {rule["rule_uuid"]: rule for rule in RULES}


class ScanRule(BaseModel):
    resource: StrictStr | None = None


class Coverage(BaseModel):
    resources: list[StrictStr] = []
    tags: list[StrictStr] = []


class PlanUpdate(BaseModel):
    tier_coverage: dict[str, Coverage] = {}


class SuppressionCreate(BaseModel):
    rule_uuid: StrictStr | None = None
    resources: list[StrictStr] = []


def _has_firewall(ctx: Ctx, droplet: Record) -> bool:
    for firewall in ctx.tenant.collection("firewall"):
        if droplet["id"] in firewall.data.get("droplet_ids", []):
            return True
        if set(firewall.data.get("tags", [])) & set(droplet["tags"]):
            return True
    return False


def _is_silenced(ctx: Ctx, rule_uuid: str, urn: str) -> bool:
    if ctx.tenant.get(EXCLUSION, urn) is not None:
        return True
    return any(
        s["rule_uuid"] == rule_uuid and s.meta.get("urn") == urn
        for s in ctx.tenant.collection(SUPPRESSION)
    )


def _findings(ctx: Ctx) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The findings for the account as it is now, and each finding's resources."""
    now = resources.now(ctx)
    findings, affected = [], {}
    droplets = ctx.tenant.collection("droplet").ordered()
    for rule in RULES:
        hits = [
            {
                "urn": resources.urn("droplet", d.id),
                "name": d["name"],
                "type": "Droplet",
            }
            for d in droplets
            if rule["test"](ctx, d)
            and not _is_silenced(ctx, rule["rule_uuid"], resources.urn("droplet", d.id))
        ]
        if not hits:
            continue
        finding = {k: v for k, v in rule.items() if k != "test"}
        findings.append(
            {**finding, "found_at": now, "affected_resources_count": len(hits)}
        )
        affected[rule["rule_uuid"]] = hits
    return findings, affected


def _filtered(ctx: Ctx, scan: Record) -> Response:
    severity = ctx.query("severity", choices=SEVERITIES)
    if severity is None:
        return one("scan", scan)
    findings = [f for f in scan["findings"] if f["severity"] == severity]
    return raw({"scan": {**scan.data, "findings": findings}})


def _scan(ctx: Ctx, scan_id: str) -> Record:
    return resources.find(ctx, SCAN, scan_id)


@router.get("/v2/security/scans")
async def list_scans(
    ctx: Annotated[Ctx, authorized("security:read")], page: PageDep
) -> Response:
    return page.respond("scans", ctx.tenant.collection(SCAN).ordered())


@router.post("/v2/security/scans", status_code=201)
async def create_scan(ctx: Annotated[Ctx, authorized("security:create")]) -> Response:
    findings, affected = _findings(ctx)
    scan_id = resources.new_uuid()
    data = {
        "id": scan_id,
        "status": "IN_PROGRESS",
        "created_at": resources.now(ctx),
        "findings": findings,
    }
    meta = {
        "affected": affected,
        actions.LATER: actions.later(ctx, {"status": "COMPLETED"}),
    }
    scan = resources.create(ctx, SCAN, scan_id, data, meta)
    await ctx.commit()
    return one("scan", scan, status=201)


@router.get("/v2/security/scans/latest")
async def get_latest_scan(ctx: Annotated[Ctx, authorized("security:read")]) -> Response:
    scans = ctx.tenant.collection(SCAN).ordered()
    if not scans:
        raise NotFound("no scan has been run yet")
    return _filtered(ctx, scans[-1])


@router.post("/v2/security/scans/rules", status_code=201)
async def create_scan_rule(
    ctx: Annotated[Ctx, authorized("security:create")], body: ScanRule
) -> Response:
    """Exclude a resource (by URN) from future scans; without one, nothing changes."""
    if body.resource is not None:
        if resources.parse_urn(body.resource) is None:
            raise Unprocessable(f"{body.resource} is not a resource URN")
        resources.create(ctx, EXCLUSION, body.resource, {"resource": body.resource})
        await ctx.commit()
    return Response(status_code=201)


@router.get("/v2/security/scans/{scan_id}")
async def get_scan(
    ctx: Annotated[Ctx, authorized("security:read")], scan_id: str
) -> Response:
    return _filtered(ctx, _scan(ctx, scan_id))


@router.get("/v2/security/scans/{scan_id}/findings/{finding_uuid}/affected_resources")
async def list_affected_resources(
    ctx: Annotated[Ctx, authorized("security:read")],
    scan_id: str,
    finding_uuid: str,
    page: PageDep,
) -> Response:
    """A finding is named by its rule's uuid; one the scan did not find affects nothing."""
    affected = _scan(ctx, scan_id).meta["affected"].get(finding_uuid, [])
    return page.respond_data("affected_resources", affected)


def _settings(ctx: Ctx) -> dict[str, Any]:
    record = ctx.tenant.get(SETTINGS, "plan")
    return record.data if record is not None else {"tier_coverage": {}}


@router.get("/v2/security/settings")
async def get_settings(
    ctx: Annotated[Ctx, authorized("security:read")], page: PageDep
) -> Response:
    suppressions = ctx.tenant.collection(SUPPRESSION).ordered()
    listing = {
        "resources": [s.data for s in page.slice(suppressions)],
        "meta": {"page": page.page, "total": len(suppressions)},
        "links": page.links(len(suppressions)),
    }
    settings = {
        "suppressions": listing,
        "tier_coverage": _settings(ctx)["tier_coverage"],
        "plan_downgrades": {},
    }
    return raw({"settings": settings})


@router.put("/v2/security/settings/plan")
async def update_plan(
    ctx: Annotated[Ctx, authorized("security:update")], body: PlanUpdate
) -> Response:
    data = {"tier_coverage": {k: v.model_dump() for k, v in body.tier_coverage.items()}}
    record = ctx.tenant.get(SETTINGS, "plan")
    if record is None:
        resources.create(ctx, SETTINGS, "plan", data)
    else:
        ctx.tx.update(record, data)
    await ctx.commit()
    return raw(data)


@router.post("/v2/security/settings/suppressions", status_code=201)
async def create_suppressions(
    ctx: Annotated[Ctx, authorized("security:create")], body: SuppressionCreate
) -> Response:
    """One suppression per resource URN; an empty list suppresses nothing."""
    if body.resources and body.rule_uuid is None:
        raise Unprocessable("rule_uuid is required to suppress a finding")
    rule = RULES_BY_UUID.get(body.rule_uuid or "")
    if body.rule_uuid is not None and rule is None:
        raise Unprocessable(f"rule {body.rule_uuid} not found")
    parsed = [(urn, resources.parse_urn(urn)) for urn in body.resources]
    bad = [urn for urn, found in parsed if found is None]
    if bad:
        raise Unprocessable(f"{bad[0]} is not a resource URN")

    created = []
    for urn, found in parsed:
        assert found is not None and rule is not None
        kind, rid = found
        uuid = resources.new_uuid()
        data = {
            "id": uuid,
            "rule_uuid": rule["rule_uuid"],
            "rule_name": rule["name"],
            "resource_id": rid,
            "resource_type": kind.replace("_", " ").title().replace(" ", ""),
        }
        created.append(resources.create(ctx, SUPPRESSION, uuid, data, {"urn": urn}))
    await ctx.commit()
    total = len(created)
    return raw(
        {
            "resources": [r.data for r in created],
            "meta": {"page": 1, "total": total},
            "links": {},
        },
        status=201,
    )


@router.delete("/v2/security/settings/suppressions/{suppression_uuid}")
async def delete_suppression(
    ctx: Annotated[Ctx, authorized("security:delete")], suppression_uuid: str
) -> Response:
    ctx.tx.delete(resources.find(ctx, SUPPRESSION, suppression_uuid))
    await ctx.commit()
    return no_content()
