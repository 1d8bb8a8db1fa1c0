"""The database briefly gone, in a real browser: the 503 page passes axe and keeps what was typed."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlmodel import Session
from werkzeug.serving import make_server

from shared_lives import create_app
from shared_lives.db import create_all, get_engine, make_engine
from tests import factories
from tests.tcp_proxy import closed_port

EMAIL = "outage@test.example"


@pytest.fixture
def outage_server(tmp_path, app_config):
    """A live server of its own, whose database the test can take away and give back."""
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'outage.sqlite'}", "extra": {}})
    live = get_engine(app)
    create_all(live)
    with app.app_context(), Session(live) as session:
        factories.make_user(session, "coordinator", None, email=EMAIL)
        session.commit()
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/gone")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def database(up: bool) -> None:
        app.extensions["db_engine"] = live if up else dead

    yield f"http://127.0.0.1:{server.server_port}", database
    server.shutdown()
    thread.join(timeout=5)
    live.dispose()
    dead.dispose()


def test_sign_in_during_an_outage_then_send_again(browser, outage_server, check_axe):
    base, database = outage_server
    context = browser.new_context(base_url=base, bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        page.goto("/sign-in")
        database(up=False)
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, the service is briefly unavailable")
        expect(page.get_by_text("What you just sent was not saved.")).to_be_visible()
        check_axe(page)
        page.get_by_text("See what you entered").click()
        expect(page.locator(".govuk-summary-list")).to_contain_text(EMAIL)
        assert factories.PASSWORD not in page.content()

        database(up=True)
        page.get_by_role("button", name="Send again").click()
        # The email came back with the form; only the password is asked for again.
        expect(page.get_by_label("Email address")).to_have_value(EMAIL)
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    finally:
        context.close()
