"""Fault drill: cut PostgreSQL, then Redis, off a running server for 5 s each, and count the answers.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/slm_drill python bench/fault_drill.py

Runs ``gunicorn wsgi:app`` with ``gunicorn.conf.py`` (2 workers, production settings)
whose connections to PostgreSQL and to Redis (127.0.0.1:6379, database 13) pass
through TCP proxies on 127.0.0.1 that the drill stops and starts. One client,
signed in, repeats a round of requests: ``/health``, the home page, a new
vocabulary term (POST), a fresh sign-in (GET and POST). Prints one JSON line per
phase with each request's answers, then the writes acknowledged (302) against
the rows found. ``DATABASE_URL`` must name a scratch PostgreSQL database: tables
are created in it, and a drill account and terms added.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from shared_lives import create_app  # noqa: E402
from shared_lives.audit.services import SYSTEM  # noqa: E402
from shared_lives.auth.models import User  # noqa: E402
from shared_lives.auth.services import create_user  # noqa: E402
from shared_lives.db import create_all, get_engine  # noqa: E402
from shared_lives.vocab.models import VocabularyTerm  # noqa: E402
from tests.tcp_proxy import TcpProxy, closed_port  # noqa: E402

EMAIL, PASSWORD = "drill@example.org", "a drill passphrase of some length"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
KEYS = {"SECRET_KEY": "drill-secret-key-" + "s" * 32, "AUDIT_KEY": "drill-audit-key-" + "a" * 32}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.token = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as exc:
            text, status = exc.read().decode(), exc.code
        if match := CSRF_RE.search(text):
            self.token = match.group(1)
        return status, text


def round_of_requests(browser: Browser, counts: Counter, label: str) -> None:
    counts["GET /health", browser.request("/health")[0]] += 1
    counts["GET /", browser.request("/")[0]] += 1
    form = {"csrf_token": browser.token, "kind": "interest", "label": label}
    counts["POST /vocabularies", browser.request("/vocabularies", form)[0]] += 1
    fresh = Browser(browser.base)
    counts["GET /sign-in", fresh.request("/sign-in")[0]] += 1
    sign_in = {"csrf_token": fresh.token, "email": EMAIL, "password": PASSWORD}
    counts["POST /sign-in", fresh.request("/sign-in", sign_in)[0]] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=5.0, help="seconds each part is cut off")
    parser.add_argument("--calm", type=float, default=3.0, help="seconds of requests before and after")
    args = parser.parse_args()
    url = make_url(os.environ["DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a scratch PostgreSQL database")

    setup = create_app({"ENV": "production", **KEYS, "DATABASE_URL": url.render_as_string(hide_password=False)})
    create_all(get_engine(setup))
    with setup.app_context(), Session(get_engine(setup)) as session:
        if session.exec(select(User).where(User.email == EMAIL)).first() is None:
            create_user(session, SYSTEM, EMAIL, "Drill Account", "admin", PASSWORD)
            session.commit()

    pg = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    redis = TcpProxy("127.0.0.1", 6379).start()
    port = closed_port()
    env = {
        **os.environ,
        "ENV": "production",
        **KEYS,
        "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1 in this drill
        "DATABASE_URL": url.set(port=pg.port).render_as_string(hide_password=False),
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis.port}/13",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        run = time.strftime("%H%M%S")
        browser = Browser(f"http://127.0.0.1:{port}")
        phases = []
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if browser.request("/sign-in")[0] == 200:
                        break
                except urllib.error.URLError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.5)
            status, _ = browser.request("/sign-in", {"csrf_token": browser.token, "email": EMAIL, "password": PASSWORD})
            assert status == 302, status
            browser.request("/vocabularies")  # a form's token, kept through the outages
            plan = [
                ("before", args.calm, None),
                ("database down", args.outage, pg),
                ("database back", args.calm, None),
                ("redis down", args.outage, redis),
                ("redis back", args.calm, None),
            ]
            n = 0
            for phase, seconds, cut in plan:
                counts: Counter = Counter()
                if cut:
                    cut.stop()
                started = time.monotonic()
                while time.monotonic() - started < seconds:
                    n += 1
                    round_of_requests(browser, counts, f"Drill {run} term {n}")
                if cut:
                    cut.start()
                phases.append((phase, counts))
        finally:
            server.terminate()
            server.wait(timeout=30)
            pg.stop()
            redis.stop()

        acknowledged = sum(counts["POST /vocabularies", 302] for _, counts in phases)
        with Session(get_engine(setup)) as session:
            stored = session.exec(
                select(func.count()).select_from(VocabularyTerm).where(VocabularyTerm.label.like(f"Drill {run} %"))
            ).one()
        get_engine(setup).dispose()
        log.seek(0)
        logged = log.read()
    for phase, counts in phases:
        answers = {f"{what} {status}": count for (what, status), count in sorted(counts.items())}
        print(json.dumps({"phase": phase, "requests": sum(counts.values()), "answers": answers}))
    summary = {"writes_acknowledged": acknowledged, "rows_found": stored, "500s_in_access_log": logged.count('" 500 ')}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
