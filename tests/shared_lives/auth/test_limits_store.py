"""Rate limits kept in Redis: when Redis is gone, sign-in still works (issue 16)."""

from __future__ import annotations

import logging
import socket

import pytest

from shared_lives import create_app
from shared_lives.auth import limiter
from shared_lives.db import get_engine
from tests.conftest import sign_in
from tests.tcp_proxy import TcpProxy, closed_port

FALLBACK_WARNING = "falling back to in-memory storage"
REDIS_DB = 11  # this suite's own Redis database number


@pytest.fixture
def restore_limiter(app):
    """The limiter is one object per process: give it back the test app's memory store."""
    yield
    limiter.init_app(app)


def limits_app(app_config, storage_uri: str):
    return create_app({**app_config, "RATELIMIT_STORAGE_URI": storage_uri, "LOGIN_RATE_PER_ADDRESS": "3 per minute"})


def fallback_warnings(caplog) -> int:
    return sum(FALLBACK_WARNING in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_redis_unreachable_sign_in_works_and_limits_hold_in_memory(app_config, users, caplog, restore_limiter):
    app = limits_app(app_config, f"redis://127.0.0.1:{closed_port()}/{REDIS_DB}")
    c = app.test_client()
    with caplog.at_level(logging.INFO):
        assert sign_in(c, users["coordinator"].email).status_code == 302
        assert c.get("/").status_code == 200
        other = app.test_client()
        refused = [sign_in(other, "nobody@test.example", "wrong password").status_code for _ in range(4)]
        health = c.get("/health")
    # Limits still apply, kept in this process while Redis is away; one warning, not one per request.
    assert refused == [200, 200, 200, 429]
    assert fallback_warnings(caplog) == 1
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    get_engine(app).dispose()


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_is_running(), reason="needs Redis on 127.0.0.1:6379")
def test_limits_go_back_to_redis_when_it_returns(app_config, caplog, restore_limiter):
    import redis

    proxy = TcpProxy("127.0.0.1", 6379).start()
    app = limits_app(app_config, f"redis://127.0.0.1:{proxy.port}/{REDIS_DB}")
    store = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)

    def counted_in_redis() -> int:
        return sum(int(store.get(key) or 0) for key in store.scan_iter("LIMITS*sign_in*"))

    try:
        with app.app_context():
            limiter.reset()
        c = app.test_client()
        with caplog.at_level(logging.INFO):
            assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200
            assert counted_in_redis() == 1
            proxy.stop()
            assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200  # in memory
            proxy.start()
            # flask-limiter tries the store again after a back-off that grows to 32 s;
            # forgetting its last try lets this test see the return at once.
            limiter._Limiter__last_check_backend = 0
            assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200
            assert counted_in_redis() == 2  # counted in Redis again
            assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200
            assert sign_in(c, "nobody@test.example", "wrong password").status_code == 429
        assert fallback_warnings(caplog) == 1
        assert any("storage recovered" in r.getMessage() for r in caplog.records)
    finally:
        with app.app_context():
            limiter.reset()
        proxy.stop()
        store.close()
        get_engine(app).dispose()
