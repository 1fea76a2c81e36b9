"""The REST API v2: one module per resource family, assembled into one router."""

from __future__ import annotations

from fastapi import APIRouter

from emulator.rest import (
    account,
    actions,
    add_ons,
    autoscale_pools,
    billing,
    byoip_prefixes,
    catalogue,
    cdn,
    certificates,
    domain_records,
    domains,
    droplets,
    firewalls,
    image_actions,
    images,
    load_balancers,
    nat_gateways,
    nfs,
    not_emulated,
    one_clicks,
    organizations,
    partner_network_connect,
    projects,
    reserved_ips,
    reserved_ipv6,
    security,
    snapshots,
    spaces_keys,
    ssh_keys,
    tags,
    uptime,
    volume_actions,
    volumes,
    vpc_peerings,
    vpcs,
)

router = APIRouter()
for family in (
    account,
    actions,
    add_ons,
    # Before droplets: /v2/droplets/autoscale must not reach /v2/droplets/{id}.
    autoscale_pools,
    billing,
    byoip_prefixes,
    catalogue,
    cdn,
    certificates,
    domains,
    domain_records,
    droplets,
    firewalls,
    images,
    image_actions,
    load_balancers,
    nfs,
    one_clicks,
    organizations,
    partner_network_connect,
    projects,
    security,
    snapshots,
    spaces_keys,
    ssh_keys,
    tags,
    uptime,
    volumes,
    volume_actions,
    nat_gateways,
    reserved_ips,
    reserved_ipv6,
    vpc_peerings,
    vpcs,
    not_emulated,  # last: its catch-all paths must not shadow a family's
):
    # Copy the routes rather than nest routers: every level of nesting is
    # walked again on each request, and this router is on every request's path.
    router.routes.extend(family.router.routes)
