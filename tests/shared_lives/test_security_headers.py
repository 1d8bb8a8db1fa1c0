"""Security headers on every response (reliability.md item 16)."""

import pytest

from shared_lives import create_app
from shared_lives.config import Config, ConfigError
from shared_lives.db import get_engine


def test_headers_on_public_and_signed_in_pages(client, signed_in):
    for response in (client.get("/sign-in"), signed_in("coordinator").get("/"), client.get("/nope")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain http


def test_no_inline_script_in_pages(client, signed_in):
    for response in (client.get("/sign-in"), signed_in("admin").get("/admin/users")):
        html = response.get_data(as_text=True)
        assert "<script>" not in html
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">")[0]


def test_signed_in_pages_are_not_cached(signed_in):
    response = signed_in("coordinator").get("/")
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_over_https(client):
    response = client.get("/sign-in", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_error_pages_are_generic(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_server_error_shows_no_trace(app_config):
    app = create_app({**app_config, "extra": {"PROPAGATE_EXCEPTIONS": False}})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    import shared_lives.auth as auth_module

    public = auth_module.PUBLIC_ENDPOINTS
    auth_module.PUBLIC_ENDPOINTS = public | {"boom"}
    try:
        response = app.test_client().get("/boom")
    finally:
        auth_module.PUBLIC_ENDPOINTS = public
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in text and "Traceback" not in text
    assert "Sorry, there is a problem with the service" in text
    get_engine(app).dispose()


def test_production_refuses_to_start_without_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({"ENV": "production", "AUDIT_KEY": "a" * 40, "DATABASE_URL": "sqlite://"})
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        Config.from_env({"ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize("value", ["0", "4", "10"])
def test_scheme_limit_is_never_above_three(value):
    with pytest.raises(ConfigError, match="SCHEME_MAX_PEOPLE"):
        Config.from_env({"SCHEME_MAX_PEOPLE": value})


def test_scheme_settings_come_from_the_environment():
    cfg = Config.from_env({"SCHEME_MAX_PEOPLE": "2", "SCHEME_NAME": "Kent Shared Lives"})
    assert (cfg.SCHEME_MAX_PEOPLE, cfg.SCHEME_NAME) == (2, "Kent Shared Lives")
    assert cfg.DATABASE_URL.startswith("sqlite:///") and cfg.DATABASE_URL.endswith("instance/shared_lives.sqlite")


def test_bad_number_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="whole number"):
        Config.from_env({"SCHEME_MAX_PEOPLE": "three"})
