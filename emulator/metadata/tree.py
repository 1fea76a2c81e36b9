"""The text tree under `/metadata/v1/`, read from the droplet's metadata document.

An index ("directory") lists its entries one per line, sub-indexes ending in
`/`; a leaf is its raw value with no final newline (agents paste `id` straight
into URLs). Leaf names are the tree's own, not the JSON keys: `address` where
the document says `ip_address`, `user-data` where it says `user_data`.

    node = lookup(build(document), ["interfaces", "public", "0", "ipv4"])
    listing(node)   # "address\\nnetmask\\ngateway"
"""

from __future__ import annotations

from typing import Any, Union

# An index maps entry names to nodes, in the order the real service lists them.
Node = Union[str, "Index"]
Index = dict[str, Node]


def build(doc: dict[str, Any]) -> Index:
    return {
        "id": str(doc["droplet_id"]),
        "hostname": doc["hostname"],
        "user-data": doc.get("user_data") or "",
        "vendor-data": doc["vendor_data"],
        "public-keys": "\n".join(doc["public_keys"]),
        "region": doc["region"],
        "interfaces": {
            kind: {str(n): _interface(entry) for n, entry in enumerate(entries)}
            for kind, entries in doc["interfaces"].items()
        },
        "dns": {"nameservers": "\n".join(doc["dns"]["nameservers"])},
        "floating_ip": {"ipv4": _reservation(doc["floating_ip"]["ipv4"])},
        "reserved_ip": {
            "ipv4": _reservation(doc["reserved_ip"]["ipv4"]),
            "ipv6": _reservation(doc["reserved_ip"]["ipv6"]),
        },
        "tags": {tag: tag for tag in doc["tags"] or []},
        "features": {"dhcp_enabled": _text(doc["features"]["dhcp_enabled"])},
    }


def _interface(entry: dict[str, Any]) -> Index:
    node: Index = {"mac": entry["mac"], "type": entry["type"]}
    for block in ("ipv4", "ipv6", "anchor_ipv4"):
        if block in entry:
            node[block] = {
                "address" if key == "ip_address" else key: _text(value)
                for key, value in entry[block].items()
            }
    return node


def _reservation(state: dict[str, Any]) -> Index:
    # The address is only listed while one is assigned (a 404 otherwise).
    node: Index = {"active": _text(state["active"])}
    if state["active"]:
        node["ip_address"] = state["ip_address"]
    return node


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lookup(root: Index, parts: list[str]) -> Node | None:
    """The node at `parts` (path segments under `/metadata/v1/`), or None."""
    node: Node = root
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def listing(index: Index) -> str:
    return "\n".join(
        f"{name}/" if isinstance(child, dict) else name for name, child in index.items()
    )
