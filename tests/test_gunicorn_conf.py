"""gunicorn.conf.py: the server starts with it, and its access log holds no query strings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.tcp_proxy import closed_port

ROOT = Path(__file__).resolve().parent.parent
CLIENT = "203.0.113.9"


def wait_for(port: int, seconds: float = 60) -> None:
    """Until a worker has loaded the app (the port opens before that)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=seconds) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def test_gunicorn_serves_with_the_config_and_logs_no_query_strings(app_config, tmp_path):
    port = closed_port()
    env = {
        **os.environ,
        "ENV": "testing",
        "DATABASE_URL": app_config["DATABASE_URL"],
        "TRUSTED_PROXIES": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        # Started in the repository's folder with no -c: gunicorn finds gunicorn.conf.py itself.
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port)
            statuses = []
            for path in ("/health?email=jane.secret%40example.org", "/sign-in?next=/people%3Fq%3DSecretsurname"):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-For": CLIENT})
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a local test server)
                    statuses.append(response.status)
        finally:
            server.terminate()
            server.wait(timeout=15)
    text = log.read_text()
    assert statuses == [200, 200], text
    assert text.count("Booting worker") == 2
    assert text.count("templates compiled") == 2, text  # post_worker_init warmed each worker
    assert f"{CLIENT} [" in text and '"GET /health HTTP/1.1" 200' in text and '"GET /sign-in HTTP/1.1" 200' in text
    assert "secret" not in text.lower() and "?" not in text.split("Booting worker")[-1]


def test_warm_up_compiles_every_page_template(app):
    from shared_lives import warm_up

    app.jinja_env.cache.clear()
    count = warm_up(app)
    pages = {n for n in app.jinja_env.list_templates() if n.endswith(".html")}
    assert count == len(pages) > 50
    cached = {key[1] for key in app.jinja_env.cache}
    assert pages <= cached
