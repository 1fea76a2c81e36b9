"""The official spec as oracle: every operation of the emulated tags answers as documented.

Runs the shared conformance harness (`../shared/tools/conformance.py`, next to
this repository) against the session's server. Skipped, with the reason, when
the harness or the spec is not there.

The harness builds each request from the spec alone. Where no earlier create
of the run gives it a real id, it sends the spec's example id or body, which a
stateful emulator, like the real API, does not know. Those operations are
listed in SPEC_EXAMPLE_REFERENCES with the reason; they must fail exactly that
way (a DigitalOcean 4xx error), and every other operation must pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import httpx
import pytest

from tests.conftest import new_token

SHARED = Path(__file__).resolve().parents[2] / "shared"
HARNESS = SHARED / "tools" / "conformance.py"
SPEC = SHARED / "openapi" / "digitalocean-public.v2.yaml"

# The tags of the REST API the emulator serves, by the issue that added them.
COMPUTE_TAGS = [
    "Account",
    "Regions",
    "Sizes",
    "Images",
    "Image Actions",
    "Droplets",
    "Droplet Actions",
    "SSH Keys",
    "Tags",
    "Actions",
    "Snapshots",
    "Projects",
    "Project Resources",
]
NETWORK_AND_STORAGE_TAGS = [
    "Block Storage",
    "Block Storage Actions",
    "Floating IPs",
    "Floating IP Actions",
    "Reserved IPs",
    "Reserved IP Actions",
    "Reserved IPv6",
    "Reserved IPv6 Actions",
    "Domains",
    "Domain Records",
    "VPCs",
    "VPC Peerings",
    "VPC NAT Gateways",
    "Firewalls",
    "Load Balancers",
    "Certificates",
    "BYOIP Prefixes",
    "Partner Network Connect",
    "NFS",
    "NFS Actions",
    "Droplet Autoscale Pools",
    "Uptime",
    "Billing",
    "1-Click Applications",
    "Add-Ons",
    "Organizations",
    "Security",
]
EMULATED_TAGS = COMPUTE_TAGS + NETWORK_AND_STORAGE_TAGS
SPACES_TAGS = ["Spaces Keys", "CDN Endpoints"]

# operationId -> (status the emulator answers, why the harness's request cannot succeed)
SPEC_EXAMPLE_REFERENCES = {
    "oneClicks_install_kubernetes": (
        404,
        "example cluster; Kubernetes clusters are not emulated yet, so none exists (real API: 404)",
    ),
    "addons_get_app_metadata": (
        404,
        "example app 'example_app', while the spec's create example names 'example-app'",
    ),
    "billingInsights_list": (
        404,
        "example account URN do:team:12345678-...; insights answer only for the account's own team",
    ),
    "invoices_get_byUUID": (
        404,
        "example invoice 22737513-...; invoices are the account's own",
    ),
    "invoices_get_csvByUUID": (
        404,
        "example invoice 22737513-...; invoices are the account's own",
    ),
    "invoices_get_pdfByUUID": (
        404,
        "example invoice 22737513-...; invoices are the account's own",
    ),
    "invoices_get_summaryByUUID": (
        404,
        "example invoice 22737513-...; invoices are the account's own",
    ),
    "volumeSnapshots_delete_byId": (
        404,
        "example snapshot fbe805e8-...; the harness does not bind the snapshot create to this path",
    ),
    "volumeSnapshots_get_byId": (
        404,
        "example snapshot fbe805e8-...; the harness does not bind the snapshot create to this path",
    ),
    "volumes_delete_byName": (
        400,
        "name and region are not marked required, so neither is sent: nothing to delete",
    ),
    "volumeActions_get": (404, "example action 36804636 of another resource"),
    "volumeActions_post": (
        404,
        "body names example volume 'example', which the account does not hold",
    ),
    "volumeActions_post_byId": (
        404,
        "body names example droplet 11612190, which the account does not hold",
    ),
    "floatingIPsAction_get": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "floatingIPsAction_list": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "floatingIPsAction_post": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "floatingIPs_create": (
        404,
        "body names example droplet 2457247, which the account does not hold",
    ),
    "floatingIPs_delete": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "floatingIPs_get": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "images_post_account_transfer_accept": (
        404,
        "example transfer 3164444; no transfer of that id exists",
    ),
    "images_post_account_transfer_cancel": (
        404,
        "example transfer 3164444; no transfer of that id exists",
    ),
    "images_post_account_transfer_decline": (
        404,
        "example transfer 3164444; no transfer of that id exists",
    ),
    "loadBalancers_add_droplets": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_add_forwardingRules": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_create": (
        422,
        "body names example project 9cc10173-...; the spec: an invalid project_id means no load balancer",
    ),
    "loadBalancers_delete": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_delete_cache": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_get": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_remove_droplets": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_remove_forwardingRules": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "loadBalancers_update": (
        404,
        "example load balancer 4de7ac8b-...; its create was refused, as above",
    ),
    "nfs_create_access_point": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_delete_access_point": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_delete_snapshot": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_get_access_point": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_get_snapshot": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_list_access_points": (
        404,
        "example share, access point or snapshot id; the harness does not bind these paths to their creates",
    ),
    "nfs_create_action": (422, "body {'type': 'resize'} has no size"),
    "reservedIPsActions_get": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "reservedIPsActions_list": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "reservedIPsActions_post": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "reservedIPs_create": (
        404,
        "body names example droplet 2457247, which the account does not hold",
    ),
    "reservedIPs_delete": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "reservedIPs_get": (
        404,
        "example address 45.55.96.47; its create was refused, as above",
    ),
    "reservedIPv6Actions_post": (422, "body {'type': 'assign'} names no droplet"),
    "security_delete_suppression": (
        404,
        "the create answers a list ({'resources': [...]}), so the harness finds no id and sends the example",
    ),
    "snapshots_delete": (
        404,
        "example snapshot 6372321; nothing in the run creates a snapshot by that path",
    ),
    "snapshots_get": (
        404,
        "example snapshot 6372321; nothing in the run creates a snapshot by that path",
    ),
    "tags_assign_resources": (
        404,
        "example tag 'awesome', never created (its create had no name)",
    ),
    "tags_create": (
        400,
        "the tag schema requires no property, so the body sent is {}: a tag needs a name",
    ),
    "tags_delete": (
        404,
        "example tag 'awesome', never created (its create had no name)",
    ),
    "tags_get": (404, "example tag 'awesome', never created (its create had no name)"),
    "tags_unassign_resources": (
        404,
        "example tag 'awesome', never created (its create had no name)",
    ),
    "vpcnatgateways_create": (
        422,
        "body names example VPC 0eb1752f-..., which the account does not hold",
    ),
    "vpcnatgateways_delete": (
        404,
        "example gateway 70e1b58d-...; its create was refused, as above",
    ),
    "vpcnatgateways_get": (
        404,
        "example gateway 70e1b58d-...; its create was refused, as above",
    ),
    "vpcnatgateways_update": (
        404,
        "example gateway 70e1b58d-...; its create was refused, as above",
    ),
    "vpcPeerings_create": (422, "body names example VPCs the account does not hold"),
    "vpcPeerings_delete": (
        404,
        "example peering 5a4981aa-...; its create was refused, as above",
    ),
    "vpcPeerings_get": (
        404,
        "example peering 5a4981aa-...; its create was refused, as above",
    ),
    "vpcPeerings_patch": (
        404,
        "example peering 5a4981aa-...; its create was refused, as above",
    ),
    "vpcs_create_peerings": (
        422,
        "body names an example VPC the account does not hold",
    ),
    "vpcs_delete": (
        403,
        "the run's only VPC left is its region's default, which cannot be deleted (spec: 403)",
    ),
    "vpcs_patch_peerings": (
        404,
        "example peering 5a4981aa-...; its create was refused, as above",
    ),
}


def run_harness(
    url: str, tags: list[str], report: Path, *, token: str | None = None
) -> tuple[str, dict]:
    command = [
        sys.executable,
        str(HARNESS),
        "--url",
        url,
        "--json",
        str(report),
        "--timeout",
        "30",
    ]
    for tag in tags:
        command += ["--tag", tag]
    if token:
        command += ["--token", token]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout, json.loads(report.read_text())


@pytest.mark.skipif(
    not (HARNESS.exists() and SPEC.exists()),
    reason="../shared/tools/conformance.py or the spec is absent",
)
def test_emulated_tags_conform_to_the_spec(server, tmp_path: Path) -> None:
    output, report = run_harness(server.url, EMULATED_TAGS, tmp_path / "report.json")

    summary = next(
        line for line in output.splitlines() if line.startswith("conformance:")
    )
    print(summary)
    outcomes = {op["operation_id"]: op for op in report["operations"]}
    failing = {
        op_id: op["detail"]
        for op_id, op in outcomes.items()
        if op["outcome"] not in ("PASS", "SPEC")
        and op_id not in SPEC_EXAMPLE_REFERENCES
    }
    assert failing == {}, summary
    for op_id, (status, reason) in SPEC_EXAMPLE_REFERENCES.items():
        op = outcomes[op_id]
        assert (op["outcome"], op["status"]) == ("STATUS", status), (op_id, reason, op)
    assert all(check["ok"] for check in report["checks"]), report["checks"]
    assert len(report["checks"]) == 4


@pytest.mark.skipif(
    not (HARNESS.exists() and SPEC.exists()),
    reason="../shared/tools/conformance.py or the spec is absent",
)
def test_spaces_tags_conform_to_the_spec(server, tmp_path: Path) -> None:
    """Spaces Keys and CDN Endpoints, for an account that holds the CDN example's origin.

    A CDN endpoint's origin must be a bucket of the account, as on the real API;
    the spec's create example names `static-images` in nyc3, so the account gets
    that bucket first, made with boto3 and a key from the REST API.
    """
    token = new_token()
    auth = {"Authorization": f"Bearer {token}"}
    key = httpx.post(
        f"{server.url}/v2/spaces/keys",
        json={
            "name": "conformance",
            "grants": [{"bucket": "", "permission": "fullaccess"}],
        },
        headers=auth,
    ).json()["key"]
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="nyc3",
        aws_access_key_id=key["access_key"],
        aws_secret_access_key=key["secret_key"],
    )
    s3.create_bucket(Bucket="static-images")

    output, report = run_harness(
        server.url, SPACES_TAGS, tmp_path / "report.json", token=token
    )

    summary = next(
        line for line in output.splitlines() if line.startswith("conformance:")
    )
    print(summary)
    assert "(100.0%)" in summary, output
    assert all(check["ok"] for check in report["checks"]), report["checks"]
