"""Request bodies of the Droplets and Droplet Actions families.

Types are strict where the real API (written in Go) refuses a JSON value of the
wrong type: `"yes"` is not a boolean and `1` is not a name. Ids may come as
numbers or strings, as clients send both. Unknown fields are ignored, as the
real API ignores them (the spec's own `change_backup_policy` example sends `day`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, StrictBool, StrictInt, StrictStr

from emulator.core.errors import Unprocessable

Weekday = Literal["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

# The spec's pattern for droplet names; the message is the real API's own.
_NAME = re.compile(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$")
NAME_MESSAGE = "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"


def check_name(name: str) -> str:
    """A droplet name as the real API accepts it (422 otherwise)."""
    if len(name) > 255 or not _NAME.match(name):
        raise Unprocessable(NAME_MESSAGE)
    return name


class BackupPolicy(BaseModel):
    """`window_length_hours` and `retention_period_days` are read-only: ignored here."""

    plan: Literal["daily", "weekly"] | None = None
    weekday: Weekday | None = None
    hour: Literal[0, 4, 8, 12, 16, 20] | None = None


class DropletCreate(BaseModel):
    """`private_networking` is accepted and ignored: every droplet is in a VPC.

    `backup_policy` only counts with `backups: true`; alone it is ignored.
    """

    name: StrictStr | None = None
    names: list[StrictStr] | None = None
    region: StrictStr | None = None
    size: StrictStr
    image: StrictInt | StrictStr
    ssh_keys: list[StrictInt | StrictStr] | None = None
    backups: StrictBool = False
    backup_policy: BackupPolicy | None = None
    ipv6: StrictBool = False
    monitoring: StrictBool = False
    tags: list[StrictStr] | None = None
    user_data: StrictStr | None = None
    private_networking: StrictBool = False
    volumes: list[StrictStr] | None = None
    vpc_uuid: StrictStr | None = None
    with_droplet_agent: StrictBool | None = None
    public_networking: StrictBool = True


class DropletAction(BaseModel):
    """Every action's fields; which ones a `type` needs is checked per type."""

    type: StrictStr
    image: StrictInt | StrictStr | None = None
    size: StrictStr | None = None
    disk: StrictBool = False
    name: StrictStr | None = None
    kernel: StrictInt | StrictStr | None = None
    backup_policy: BackupPolicy | None = None


class SelectiveDestroy(BaseModel):
    """`floating_ips` is the deprecated spelling of `reserved_ips`; both are honoured."""

    reserved_ips: list[StrictStr | StrictInt] | None = None
    floating_ips: list[StrictStr | StrictInt] | None = None
    snapshots: list[StrictStr | StrictInt] | None = None
    volumes: list[StrictStr | StrictInt] | None = None
    volume_snapshots: list[StrictStr | StrictInt] | None = None
