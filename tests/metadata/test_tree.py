"""Every droplet's metadata on the main port: the JSON document and the text tree.

Droplets are made with pydo; the metadata is read with plain HTTP from
`/_emulator/droplets/{id}/metadata/...`, which answers as the listener would.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import pydo
import pytest

from tests.conftest import Server

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDrcCe4BVFhVPwEbNTgp5kTUjZmlG3kT50CB+chS18G sammy@example.com"
USER_DATA = "#cloud-config\nruncmd:\n  - touch /tmp/ok\n"
DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}
ROOT_ENTRIES = [
    "id",
    "hostname",
    "user-data",
    "vendor-data",
    "public-keys",
    "region",
    "interfaces/",
    "dns/",
    "floating_ip/",
    "reserved_ip/",
    "tags/",
    "features/",
]


def active(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    """A droplet whose create action has completed (the instant clock's next request)."""
    created = do.droplets.create(body={**DROPLET, **fields})["droplet"]
    return do.droplets.get(created["id"])["droplet"]


@pytest.fixture
def droplet(do: pydo.Client) -> dict[str, Any]:
    """A droplet with a key, user data, tags and IPv6."""
    key = do.ssh_keys.create(body={"name": "sammy", "public_key": PUBLIC_KEY})
    return active(
        do,
        ssh_keys=[key["ssh_key"]["id"]],
        user_data=USER_DATA,
        tags=["web", "prod"],
        ipv6=True,
    )


def read(
    server: Server, droplet_id: int | str, path: str, **kwargs: Any
) -> httpx.Response:
    """`path` under the droplet's /metadata, on the main port; redirects not followed."""
    url = f"{server.url}/_emulator/droplets/{droplet_id}/metadata{path}"
    return httpx.request(kwargs.pop("method", "GET"), url, timeout=10, **kwargs)


def network(droplet: dict[str, Any], version: str, kind: str) -> dict[str, Any]:
    return next(n for n in droplet["networks"][version] if n["type"] == kind)


def test_full_document_describes_the_droplet_from_rest_state(server, droplet):
    answer = read(server, droplet["id"], "/v1.json")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    doc = answer.json()
    assert doc["droplet_id"] == droplet["id"]
    assert doc["hostname"] == "web-1"
    assert doc["user_data"] == USER_DATA
    assert doc["vendor_data"].startswith("#cloud-config")
    assert doc["public_keys"] == [PUBLIC_KEY]
    assert doc["region"] == "nyc3"
    assert doc["tags"] == ["web", "prod"]
    assert doc["dns"]["nameservers"]
    assert doc["features"] == {"dhcp_enabled": False}
    assert doc["floating_ip"] == {"ipv4": {"active": False}}
    assert doc["reserved_ip"] == {"ipv4": {"active": False}, "ipv6": {"active": False}}
    assert len(doc["auth_key"]) == 32


def test_interfaces_hold_the_droplets_addresses_gateways_and_macs(server, droplet):
    doc = read(server, droplet["id"], "/v1.json").json()

    public, private = doc["interfaces"]["public"][0], doc["interfaces"]["private"][0]
    rest_v4, rest_v6 = (
        network(droplet, "v4", "public"),
        network(droplet, "v6", "public"),
    )
    rest_private = network(droplet, "v4", "private")
    assert public["type"] == "public" and private["type"] == "private"
    assert public["ipv4"] == {
        "ip_address": rest_v4["ip_address"],
        "netmask": rest_v4["netmask"],
        "gateway": rest_v4["gateway"],
    }
    assert ipaddress.IPv6Address(public["ipv6"]["ip_address"]) == ipaddress.IPv6Address(
        rest_v6["ip_address"]
    )
    assert public["ipv6"]["ip_address"] == public["ipv6"]["ip_address"].upper()
    assert public["ipv6"]["cidr"] == 64
    assert public["anchor_ipv4"]["netmask"] == "255.255.0.0"
    assert private["ipv4"]["ip_address"] == rest_private["ip_address"]
    network_of = ipaddress.IPv4Network(
        f"{rest_private['ip_address']}/{rest_private['netmask']}", strict=False
    )
    assert private["ipv4"]["gateway"] == str(network_of.network_address + 1)
    assert public["mac"] != private["mac"]
    assert len(public["mac"].split(":")) == 6


def test_document_has_what_cloud_init_needs(server, droplet):
    doc = read(server, droplet["id"], "/v1.json").json()

    # cloud-init's DigitalOcean datasource: an int id, a list of keys, element 0
    # of each interface type, and dns.nameservers indexed directly.
    assert isinstance(doc["droplet_id"], int)
    assert isinstance(doc["public_keys"], list)
    assert all(doc["interfaces"][kind] for kind in doc["interfaces"])
    assert {"mac", "type", "ipv4"} <= set(doc["interfaces"]["public"][0])
    assert ":" in doc["interfaces"]["public"][0]["ipv6"]["ip_address"]
    assert isinstance(doc["dns"]["nameservers"], list)


def test_root_index_lists_the_documented_entries_in_order(server, droplet):
    answer = read(server, droplet["id"], "/v1/")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text.split("\n") == ROOT_ENTRIES


def test_root_without_slash_redirects_to_the_index(server, droplet):
    answer = read(server, droplet["id"], "/v1")

    assert answer.status_code == 301
    assert (
        answer.headers["location"]
        == f"/_emulator/droplets/{droplet['id']}/metadata/v1/"
    )


def walk(server: Server, droplet_id: int, path: str) -> dict[str, str]:
    """Every leaf under `path` (an index ending in /) and its body."""
    found = {}
    listing = read(server, droplet_id, path)
    assert listing.status_code == 200, path
    for entry in listing.text.split("\n") if listing.text else []:
        if entry.endswith("/"):
            redirect = read(server, droplet_id, path + entry[:-1])
            assert redirect.status_code == 301, path + entry
            assert redirect.headers["location"].endswith(f"/metadata{path}{entry}"), (
                path + entry
            )
            found.update(walk(server, droplet_id, path + entry))
        else:
            leaf = read(server, droplet_id, path + entry)
            assert leaf.status_code == 200, path + entry
            assert leaf.headers["content-type"] == "text/plain; charset=utf-8"
            found[path + entry] = leaf.text
    return found


def test_every_entry_of_the_tree_answers(server, droplet):
    leaves = walk(server, droplet["id"], "/v1/")

    rest_v4 = network(droplet, "v4", "public")
    ipv6 = ipaddress.IPv6Address(network(droplet, "v6", "public")["ip_address"])
    assert leaves == {
        "/v1/id": str(droplet["id"]),
        "/v1/hostname": "web-1",
        "/v1/user-data": USER_DATA,
        "/v1/vendor-data": leaves["/v1/vendor-data"],
        "/v1/public-keys": PUBLIC_KEY,
        "/v1/region": "nyc3",
        "/v1/interfaces/public/0/mac": leaves["/v1/interfaces/public/0/mac"],
        "/v1/interfaces/public/0/type": "public",
        "/v1/interfaces/public/0/ipv4/address": rest_v4["ip_address"],
        "/v1/interfaces/public/0/ipv4/netmask": rest_v4["netmask"],
        "/v1/interfaces/public/0/ipv4/gateway": rest_v4["gateway"],
        "/v1/interfaces/public/0/ipv6/address": ipv6.exploded.upper(),
        "/v1/interfaces/public/0/ipv6/cidr": "64",
        "/v1/interfaces/public/0/ipv6/gateway": leaves[
            "/v1/interfaces/public/0/ipv6/gateway"
        ],
        "/v1/interfaces/public/0/anchor_ipv4/address": leaves[
            "/v1/interfaces/public/0/anchor_ipv4/address"
        ],
        "/v1/interfaces/public/0/anchor_ipv4/netmask": "255.255.0.0",
        "/v1/interfaces/public/0/anchor_ipv4/gateway": leaves[
            "/v1/interfaces/public/0/anchor_ipv4/gateway"
        ],
        "/v1/interfaces/private/0/mac": leaves["/v1/interfaces/private/0/mac"],
        "/v1/interfaces/private/0/type": "private",
        "/v1/interfaces/private/0/ipv4/address": network(droplet, "v4", "private")[
            "ip_address"
        ],
        "/v1/interfaces/private/0/ipv4/netmask": network(droplet, "v4", "private")[
            "netmask"
        ],
        "/v1/interfaces/private/0/ipv4/gateway": leaves[
            "/v1/interfaces/private/0/ipv4/gateway"
        ],
        "/v1/dns/nameservers": leaves["/v1/dns/nameservers"],
        "/v1/floating_ip/ipv4/active": "false",
        "/v1/reserved_ip/ipv4/active": "false",
        "/v1/reserved_ip/ipv6/active": "false",
        "/v1/tags/web": "web",
        "/v1/tags/prod": "prod",
        "/v1/features/dhcp_enabled": "false",
    }


def test_leaves_match_the_document_without_a_final_newline(server, droplet):
    doc = read(server, droplet["id"], "/v1.json").json()
    leaves = walk(server, droplet["id"], "/v1/")

    assert (
        leaves["/v1/interfaces/public/0/mac"] == doc["interfaces"]["public"][0]["mac"]
    )
    assert leaves["/v1/vendor-data"] == doc["vendor_data"]
    assert leaves["/v1/dns/nameservers"].split("\n") == doc["dns"]["nameservers"]
    assert not leaves["/v1/id"].endswith("\n")
    assert not leaves["/v1/hostname"].endswith("\n")


def test_index_listings_name_their_children(server, droplet):
    interface = read(server, droplet["id"], "/v1/interfaces/public/0/")
    tags = read(server, droplet["id"], "/v1/tags/")
    interfaces = read(server, droplet["id"], "/v1/interfaces/")

    assert interface.text.split("\n") == [
        "mac",
        "type",
        "ipv4/",
        "ipv6/",
        "anchor_ipv4/",
    ]
    assert tags.text.split("\n") == ["web", "prod"]
    assert interfaces.text.split("\n") == ["public/", "private/"]


def test_droplet_without_extras_has_empty_user_data_and_no_ipv6(server, do):
    plain = active(do)

    doc = read(server, plain["id"], "/v1.json").json()
    user_data = read(server, plain["id"], "/v1/user-data")
    interface = read(server, plain["id"], "/v1/interfaces/public/0/")
    keys = read(server, plain["id"], "/v1/public-keys")
    tags = read(server, plain["id"], "/v1/tags/")

    assert "user_data" not in doc
    assert (user_data.status_code, user_data.text) == (200, "")
    assert "ipv6/" not in interface.text.split("\n")
    assert (keys.status_code, keys.text) == (200, "")
    assert (tags.status_code, tags.text) == (200, "")
    assert doc["tags"] == [] and doc["public_keys"] == []


def test_droplet_without_public_networking_has_only_a_private_interface(server, do):
    private_only = active(do, public_networking=False)

    doc = read(server, private_only["id"], "/v1.json").json()
    interfaces = read(server, private_only["id"], "/v1/interfaces/")
    public = read(server, private_only["id"], "/v1/interfaces/public/")

    assert list(doc["interfaces"]) == ["private"]
    assert interfaces.text == "private/"
    assert public.status_code == 404


def test_rename_over_rest_shows_at_once(server, do, droplet):
    do.droplet_actions.post(droplet["id"], body={"type": "rename", "name": "web-2"})

    hostname = read(server, droplet["id"], "/v1/hostname")

    assert hostname.text == "web-2"


def test_tag_added_over_rest_shows_at_once(server, do, droplet):
    do.tags.create(body={"name": "blue"})
    do.tags.assign_resources(
        "blue",
        body={
            "resources": [
                {"resource_id": str(droplet["id"]), "resource_type": "droplet"}
            ]
        },
    )

    tags = read(server, droplet["id"], "/v1/tags/")
    doc = read(server, droplet["id"], "/v1.json").json()

    assert tags.text.split("\n") == ["web", "prod", "blue"]
    assert doc["tags"] == ["web", "prod", "blue"]


def test_ipv6_enabled_over_rest_appears(server, do):
    plain = active(do)

    do.droplet_actions.post(plain["id"], body={"type": "enable_ipv6"})
    interface = read(server, plain["id"], "/v1/interfaces/public/0/")
    cidr = read(server, plain["id"], "/v1/interfaces/public/0/ipv6/cidr")

    assert "ipv6/" in interface.text.split("\n")
    assert cidr.text == "64"


def test_reserved_ip_assigned_over_rest_is_active(server, do, api, droplet):
    assigned = api.post("/v2/reserved_ips", json={"droplet_id": droplet["id"]})
    if assigned.status_code in (404, 405, 501):
        pytest.skip("the reserved IPs family is not emulated in this build")
    assert assigned.status_code in (201, 202), assigned.text
    address = assigned.json()["reserved_ip"]["ip"]
    api.get(f"/v2/reserved_ips/{address}")  # the next request completes the action

    doc = read(server, droplet["id"], "/v1.json").json()
    active_leaf = read(server, droplet["id"], "/v1/reserved_ip/ipv4/active")
    address_leaf = read(server, droplet["id"], "/v1/floating_ip/ipv4/ip_address")

    assert doc["reserved_ip"]["ipv4"] == {"active": True, "ip_address": address}
    assert doc["floating_ip"]["ipv4"] == {"active": True, "ip_address": address}
    assert (active_leaf.text, address_leaf.text) == ("true", address)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nothing",
        "/v1/hostname/",
        "/v1/interfaces/public/1/",
        "/v1/interfaces/public/0/ipv4/address/more",
        "/v1/reserved_ip/ipv4/ip_address",
        "/v1/tags/absent",
        "/v2/",
        "/",
        "/v1.json/extra",
        "/v1/..%2F..%2Fetc%2Fpasswd",
        "/v1/%00",
    ],
)
def test_unknown_paths_answer_plain_404(server, droplet, path):
    answer = read(server, droplet["id"], path)

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text.startswith("404 Not Found")


def test_unknown_and_malformed_droplet_ids_answer_404(server):
    unknown = read(server, 999_999_999, "/v1.json")
    malformed = read(server, "web-1", "/v1/id")

    assert (unknown.status_code, malformed.status_code) == (404, 404)
    assert unknown.text == "404 Not Found: no droplet 999999999"


def test_destroyed_droplet_has_no_metadata(server, do, droplet):
    do.droplets.destroy(droplet["id"])

    answer = read(server, droplet["id"], "/v1/hostname")

    assert answer.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writes_to_the_tree_are_refused_with_405(server, droplet, method):
    answer = read(server, droplet["id"], "/v1/hostname", method=method)
    document = read(server, droplet["id"], "/v1.json", method=method)

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert document.headers["allow"] == "GET, HEAD, PATCH"
    assert read(server, droplet["id"], "/v1/hostname").text == "web-1"


def test_head_answers_without_a_body(server, droplet):
    answer = read(server, droplet["id"], "/v1/hostname", method="HEAD")

    assert (answer.status_code, answer.content) == (200, b"")


def test_huge_url_is_refused_cleanly(server, droplet):
    answer = read(server, droplet["id"], "/v1/" + "a" * 10_000)

    assert answer.status_code == 414


def test_droplet_agent_patch_is_merged_into_the_document(server, droplet):
    first = read(
        server,
        droplet["id"],
        "/v1.json",
        method="PATCH",
        json={"dotty_status": "running"},
    )
    second = read(
        server,
        droplet["id"],
        "/v1.json",
        method="PATCH",
        json={"ssh_info": {"port": 22, "host_keys": []}, "hostname": "hijacked"},
    )

    doc = read(server, droplet["id"], "/v1.json").json()
    assert (first.status_code, second.status_code) == (204, 204)
    assert doc["dotty_status"] == "running"
    assert doc["ssh_info"] == {"port": 22, "host_keys": []}
    assert doc["hostname"] == "web-1"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
def test_droplet_agent_patch_with_a_bad_body_is_refused(server, droplet, body):
    answer = read(server, droplet["id"], "/v1.json", method="PATCH", content=body)

    assert answer.status_code == 400
    assert "dotty_status" not in read(server, droplet["id"], "/v1.json").json()


def test_reserved_ipv6_assigned_over_rest_is_active(server, api, droplet):
    made = api.post("/v2/reserved_ipv6", json={"region_slug": "nyc3"})
    if made.status_code in (404, 405, 501):
        pytest.skip("the reserved IPv6 family is not emulated in this build")
    address = made.json()["reserved_ipv6"]["ip"]
    assigned = api.post(
        f"/v2/reserved_ipv6/{address}/actions",
        json={"type": "assign", "droplet_id": droplet["id"]},
    )
    assert assigned.status_code in (201, 202), assigned.text

    doc = read(server, droplet["id"], "/v1.json").json()
    active_leaf = read(server, droplet["id"], "/v1/reserved_ip/ipv6/active")
    address_leaf = read(server, droplet["id"], "/v1/reserved_ip/ipv6/ip_address")

    assert doc["reserved_ip"]["ipv6"] == {"active": True, "ip_address": address}
    assert (active_leaf.text, address_leaf.text) == ("true", address)


def test_auth_token_is_served_but_not_listed(server, droplet):
    doc = read(server, droplet["id"], "/v1.json").json()

    token = read(server, droplet["id"], "/v1/auth-token")
    index = read(server, droplet["id"], "/v1/")

    assert (token.status_code, token.text) == (200, doc["auth_key"])
    assert "auth-token" not in index.text.split("\n")
