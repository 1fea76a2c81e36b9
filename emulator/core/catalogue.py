"""The catalogue every account sees: regions, sizes, public images, kernels.

Read once at start from `fixtures/catalogue/*.json`. Fields whose name starts
with `_` are ours (say, `_application` on a 1-click image) and are kept in the
record's `meta`, never served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from emulator.core.store import Record


def _load(path: Path, kind: str, key: str) -> dict[str, Record]:
    if not path.exists():
        return {}
    records: dict[str, Record] = {}
    for seq, item in enumerate(orjson.loads(path.read_bytes()), start=1):
        data = {k: v for k, v in item.items() if not k.startswith("_")}
        meta = {k[1:]: v for k, v in item.items() if k.startswith("_")}
        records[str(item[key])] = Record(kind, item[key], data, meta, seq)
    return records


class Catalogue:
    def __init__(self, directory: Path) -> None:
        folder = directory / "catalogue"
        self.regions = _load(folder / "regions.json", "region", "slug")
        self.sizes = _load(folder / "sizes.json", "size", "slug")
        self.images = _load(folder / "images.json", "image", "id")
        self.kernels = _load(folder / "kernels.json", "kernel", "id")
        self.one_clicks = _load(folder / "one_clicks.json", "one_click", "slug")
        self.add_on_apps = _load(folder / "add_on_apps.json", "add_on_app", "app_slug")
        self.images_by_slug = {
            record["slug"]: record for record in self.images.values() if record["slug"]
        }

    def region(self, slug: str) -> dict[str, Any] | None:
        found = self.regions.get(slug)
        return found.data if found else None

    def size(self, slug: str) -> dict[str, Any] | None:
        found = self.sizes.get(slug)
        return found.data if found else None

    def public_image(self, id_or_slug: str | int) -> Record | None:
        key = str(id_or_slug)
        return self.images.get(key) or self.images_by_slug.get(key)

    def region_or_default(self, slug: str | None) -> dict[str, Any] | None:
        """A region by slug; a prefix such as `nyc` picks its first available match."""
        if slug is None:
            return next((r.data for r in self.regions.values() if r["available"]), None)
        exact = self.region(slug)
        if exact is not None:
            return exact
        return next(
            (
                r.data
                for r in self.regions.values()
                if r["slug"].startswith(slug) and r["available"]
            ),
            None,
        )
