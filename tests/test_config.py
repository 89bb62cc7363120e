"""Settings from UPREST_* variables are read by their declared type; unknown names stop the start."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uprest import create_app
from uprest.config import ConfigError, from_environment, parse_setting, settings


def _app(tmp_path, **overrides):
    config = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}",
        "SECRET_KEY": "k" * 40,
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    return create_app(config)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_booleans(raw, expected):
    """Booleans accept true/false, 1/0, yes/no and on/off in any case."""
    assert parse_setting("PROXY_FIX", bool, raw) is expected


def test_bad_values_are_refused_with_the_variable_name():
    """A value that is not of the setting's type stops the start and names the variable."""
    with pytest.raises(ConfigError, match="UPREST_PROXY_FIX='maybe'"):
        from_environment({"UPREST_PROXY_FIX": "maybe"})
    with pytest.raises(ConfigError, match="UPREST_INVITATION_DAYS='two'.*whole number"):
        from_environment({"UPREST_INVITATION_DAYS": "two"})
    with pytest.raises(ConfigError, match="UPREST_SQLALCHEMY_ENGINE_OPTIONS: expected a JSON dict"):
        from_environment({"UPREST_SQLALCHEMY_ENGINE_OPTIONS": "[1, 2]"})
    with pytest.raises(ConfigError, match="UPREST_LANGUAGES: expected a JSON dict"):
        from_environment({"UPREST_LANGUAGES": "{not json"})


def test_unknown_names_stop_the_start(monkeypatch, tmp_path):
    """UPREST_DEBUG (not a setting) is refused at start instead of switching debug on."""
    monkeypatch.setenv("UPREST_DEBUG", "1")
    with pytest.raises(ConfigError, match="unknown setting.*UPREST_DEBUG"):
        _app(tmp_path)


def test_tool_variables_are_not_settings():
    """The variables of the test suite and the bench are left to those tools."""
    assert from_environment({"UPREST_TEST_DATABASE_URL": "x", "UPREST_BENCH_DATABASE_URL": "y", "PATH": "/bin"}) == {}


def test_optional_settings_take_none_and_numbers():
    """An optional number is a number, or None when empty or "none"."""
    assert from_environment({"UPREST_WTF_CSRF_TIME_LIMIT": "3600"}) == {"WTF_CSRF_TIME_LIMIT": 3600}
    assert from_environment({"UPREST_WTF_CSRF_TIME_LIMIT": "none"}) == {"WTF_CSRF_TIME_LIMIT": None}
    assert from_environment({"UPREST_SMTP_URL": ""}) == {"SMTP_URL": None}


def test_csrf_time_limit_from_environment_keeps_forms_working(monkeypatch, tmp_path):
    """UPREST_WTF_CSRF_TIME_LIMIT=3600 is a number: a form POST is answered, not a 500."""
    from uprest.extensions import db

    monkeypatch.setenv("UPREST_WTF_CSRF_TIME_LIMIT", "3600")
    app = _app(tmp_path)
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 3600
    with app.app_context():
        import uprest.models  # noqa: F401

        db.create_all()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"csrf_token": token, "email": "nobody@example.org", "password": "x" * 10})
    assert resp.status_code == 200 and "not correct" in resp.get_data(as_text=True)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_engine_options_from_environment(monkeypatch, tmp_path):
    """UPREST_SQLALCHEMY_ENGINE_OPTIONS is JSON and reaches the engine."""
    monkeypatch.setenv("UPREST_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_pre_ping": true, "echo": false}')
    app = _app(tmp_path)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "echo": False}


@given(st.integers(min_value=-(2**40), max_value=2**40))
def test_whole_numbers_round_trip(number):
    """Every whole number written in a variable is read back as that number."""
    assert parse_setting("INVITATION_DAYS", int, f" {number} ") == number


def test_every_setting_has_a_type():
    """Every setting is declared with a type, so that its variable can be parsed."""
    assert {"SECRET_KEY", "WTF_CSRF_TIME_LIMIT", "SQLALCHEMY_ENGINE_OPTIONS", "PROXY_FIX"} <= set(settings())
