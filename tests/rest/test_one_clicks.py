"""1-Click Applications: the catalogue, and installs on clusters that do not exist."""

from __future__ import annotations

import httpx
import pydo


def test_list_one_clicks_filters_by_type(do: pydo.Client) -> None:
    everything = do.one_clicks.list()["1_clicks"]
    kubernetes = do.one_clicks.list(type="kubernetes")["1_clicks"]

    assert {c["type"] for c in everything} == {"droplet", "kubernetes"}
    assert kubernetes and all(c["type"] == "kubernetes" for c in kubernetes)
    assert {"slug": "monitoring", "type": "kubernetes"} in kubernetes


def test_unknown_type_is_a_bad_request(api: httpx.Client) -> None:
    refused = api.get("/v2/1-clicks", params={"type": "vm"})

    assert refused.status_code == 400 and refused.json()["id"] == "bad_request"


def test_install_on_an_unknown_cluster_is_404(api: httpx.Client) -> None:
    body = {
        "addon_slugs": ["kube-state-metrics", "loki"],
        "cluster_uuid": "50a994b6-c303-438f-9495-7e896cfe6b08",
    }

    refused = api.post("/v2/1-clicks/kubernetes", json=body)

    assert refused.status_code == 404
    assert refused.json()["id"] == "not_found"
    assert "50a994b6-c303-438f-9495-7e896cfe6b08" in refused.json()["message"]


def test_install_of_unknown_or_droplet_slugs_is_refused(api: httpx.Client) -> None:
    body = {"addon_slugs": ["wordpress-20-04", "nope"], "cluster_uuid": "x"}

    refused = api.post("/v2/1-clicks/kubernetes", json=body)

    assert refused.status_code == 422
    assert (
        refused.json()["message"]
        == "unknown Kubernetes 1-Click slugs: wordpress-20-04, nope"
    )
