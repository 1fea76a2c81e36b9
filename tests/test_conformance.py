"""The official spec as oracle: every operation of the emulated tags answers as documented.

Runs the shared conformance harness (`../shared/tools/conformance.py`, next to
this repository) against the session's server. Skipped, with the reason, when
the harness or the spec is not there.
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


def run_harness(url: str, tags: list[str], report: Path) -> tuple[str, dict]:
    command = [sys.executable, str(HARNESS), "--url", url, "--json", str(report), "--timeout", "30"]
    for tag in tags:
        command += ["--tag", tag]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout, json.loads(report.read_text())


@pytest.mark.skipif(not (HARNESS.exists() and SPEC.exists()), reason="../shared/tools/conformance.py or the spec is absent")
def test_compute_tags_conform_to_the_spec(server, tmp_path: Path) -> None:
    output, report = run_harness(server.url, COMPUTE_TAGS, tmp_path / "report.json")

    summary = next(line for line in output.splitlines() if line.startswith("conformance:"))
    failing = [line for line in output.splitlines() if line.startswith(("SCHEMA", "STATUS", "MISSING", "ERROR"))]
    checks = [line for line in output.splitlines() if line.startswith("check ")]
    print(summary, *checks, sep="\n")
    assert "(100.0%)" in summary, "\n".join([summary, *failing[:40]])
    assert len(checks) == 4 and all(": ok" in line for line in checks), checks
