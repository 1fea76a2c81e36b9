"""Settings come from DO_EMULATOR_* variables and flags; flags win."""

from __future__ import annotations

import pytest

from emulator.__main__ import _parser, settings_from


def test_environment_sets_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DO_EMULATOR_PORT", "9123")
    monkeypatch.setenv("DO_EMULATOR_AUTH_MODE", "strict")
    monkeypatch.setenv("DO_EMULATOR_ENFORCE_RATE_LIMIT", "false")

    settings = settings_from(_parser().parse_args(["serve"]))

    assert (settings.port, settings.auth_mode, settings.enforce_rate_limit) == (
        9123,
        "strict",
        False,
    )


def test_flags_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DO_EMULATOR_PORT", "9123")

    settings = settings_from(
        _parser().parse_args(["serve", "--port", "9200", "--in-memory"])
    )

    assert settings.port == 9200
    assert settings.sqlalchemy_url == "sqlite://"


def test_database_url_is_read_unprefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.db")

    settings = settings_from(_parser().parse_args(["serve"]))

    assert settings.sqlalchemy_url == "sqlite:////tmp/elsewhere.db"


def test_data_dir_and_in_memory_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--data-dir", "x", "--in-memory"])
