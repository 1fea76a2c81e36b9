"""The clock control plane."""

from __future__ import annotations


def test_frozen_clock_stands_still_until_advanced(server, frozen_clock) -> None:
    before = server.control("GET", "/clock").json()

    frozen_clock(3600)
    after = server.control("GET", "/clock").json()

    assert before["mode"] == after["mode"] == "frozen"
    assert after["now"] > before["now"]


def test_clock_mode_can_be_read(server) -> None:
    assert server.control("GET", "/clock").json()["mode"] == "instant"


def test_health_answers_json(server) -> None:
    response = server.control("GET", "/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
