"""gunicorn settings for Shared Lives Match behind nginx (see docs/deploy.md).

gunicorn reads this file by itself when started in the repository's folder:
``gunicorn wsgi:app``. The environment variables named below change a setting
without editing the file.
"""

import os

# nginx on the same host passes requests here; nothing else should reach this port.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers, one request at a time each: nginx buffers slow clients.
# The app keeps no state between requests, so more workers (or hosts) simply add
# capacity; with several, DATABASE_URL must be PostgreSQL and rate limits Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"

# A worker busy longer than this is killed and replaced, so a stuck request cannot
# hold it for ever. PostgreSQL cancels a slow statement sooner (DB_STATEMENT_TIMEOUT_MS,
# 10 s by default), and the person gets the "briefly unavailable" page, not a dropped line.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# The scheme and the client's address come from the app alone (TRUSTED_PROXIES, with
# werkzeug's ProxyFix): gunicorn's own reading of X-Forwarded-Proto is turned off.
secure_scheme_headers = {}

# Access log on stdout, without query strings or referrers: searches carry names,
# dates of birth and postcodes in the query string. %(U)s is the path alone, and
# %(h)s the client's address (after ProxyFix, when the proxy is trusted).
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Each new worker compiles the page templates before it takes a request (a second or two),
    rather than making the first person to open each page wait for its template."""
    from shared_lives import warm_up

    try:
        count = warm_up(worker.wsgi)
        worker.log.info("worker %s: %d templates compiled", worker.pid, count)
    except Exception as exc:  # a worker that cannot warm up still serves, compiling as it goes
        worker.log.warning("worker %s: templates not compiled ahead (%s)", worker.pid, type(exc).__name__)
