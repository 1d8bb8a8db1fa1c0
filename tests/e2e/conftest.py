"""Browser tests: a live server on a seeded SQLite database, driven by Debian's Chromium.

Fixtures: ``live_server`` (base URL), ``browser``, ``page_as(role)`` (a signed-in page for
a demo account), ``new_page()`` (a signed-out page) and ``check_axe(page)`` (axe-core,
WCAG 2.2 A and AA rules, asserting 0 violations). Playwright never downloads a browser:
it drives /usr/bin/chromium. axe is injected, so contexts bypass the CSP; the CSP
itself is tested without a browser.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlmodel import Session
from werkzeug.serving import make_server

from shared_lives import create_app
from shared_lives.db import create_all, get_engine
from shared_lives.demo import DEMO_ACCOUNTS, load_demo

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORDS = {role: (email, password) for role, email, _name, password in DEMO_ACCOUNTS}
AXE_TALLY = {"pages": 0, "violations": 0}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, app_config):
    """The app the live server serves (a test may change a setting of it for its own run)."""
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    config = {**app_config, "DATABASE_URL": f"sqlite:///{path}", "extra": {}}
    app = create_app(config)
    engine = get_engine(app)
    create_all(engine)
    with app.app_context(), Session(engine) as session:
        load_demo(session)
        session.commit()
    yield app
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make test`, which installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def _new_page():
        context = browser.new_context(base_url=live_server, bypass_csp=True)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def sign_in_page(page, role: str) -> None:
    email, password = PASSWORDS[role]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


@pytest.fixture
def page_as(new_page):
    """``page_as(role)``: a page signed in as the demo account of that role."""

    def _page_as(role: str):
        page = new_page()
        sign_in_page(page, role)
        return page

    return _page_as


def run_axe(page) -> list[dict]:
    # A click that navigates returns once the next page starts loading: check the page it lands on.
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


@pytest.fixture
def check_axe():
    """``check_axe(page)`` asserts axe-core finds 0 WCAG 2.2 A/AA violations on the page as it is."""

    def _check(page) -> None:
        violations = run_axe(page)
        AXE_TALLY["pages"] += 1
        AXE_TALLY["violations"] += sum(len(v["nodes"]) for v in violations)
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in violations
        ]
        assert not violations, f"axe violations on {page.url}:\n" + "\n".join(details)

    return _check
