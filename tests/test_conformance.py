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

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
HARNESS = SHARED / "tools" / "conformance.py"
SPEC = SHARED / "openapi" / "digitalocean-public.v2.yaml"

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

# operationId -> (status the emulator answers, why the harness's request cannot succeed)
SPEC_EXAMPLE_REFERENCES = {
    "tags_create": (
        400,
        "the tag schema requires no property, so the body sent is {}: a tag needs a name",
    ),
    "tags_get": (
        404,
        "the example tag 'awesome' was never created (its create had no name)",
    ),
    "tags_delete": (404, "the example tag 'awesome' was never created"),
    "tags_assign_resources": (404, "the example tag 'awesome' was never created"),
    "tags_unassign_resources": (404, "the example tag 'awesome' was never created"),
    "snapshots_get": (
        404,
        "example snapshot 6372321; no operation of these tags creates a snapshot by that path",
    ),
    "snapshots_delete": (404, "example snapshot 6372321, as above"),
    "images_post_account_transfer_accept": (
        404,
        "example transfer id 3164444; no transfer of that id exists",
    ),
    "images_post_account_transfer_cancel": (404, "example transfer id 3164444"),
    "images_post_account_transfer_decline": (404, "example transfer id 3164444"),
}


def run_harness(url: str, tags: list[str], report: Path) -> tuple[str, dict]:
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
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout, json.loads(report.read_text())


@pytest.mark.skipif(
    not (HARNESS.exists() and SPEC.exists()),
    reason="../shared/tools/conformance.py or the spec is absent",
)
def test_compute_tags_conform_to_the_spec(server, tmp_path: Path) -> None:
    output, report = run_harness(server.url, COMPUTE_TAGS, tmp_path / "report.json")

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
        assert (op["outcome"], op["status"]) in (
            ("STATUS", status),
            ("PASS", op["status"]),
        ), (op_id, reason, op)
    assert all(check["ok"] for check in report["checks"]), report["checks"]
    assert len(report["checks"]) == 4
