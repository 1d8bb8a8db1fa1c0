"""One typed configuration, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

#: Shared Lives carers support at most three people at once; a scheme may set less.
HARD_MAX_PEOPLE = 3
#: SQLite's ``synchronous`` settings that keep the database whole after a power cut
#: (OFF can corrupt it, so it is not offered). See ``shared_lives/db.py``.
SQLITE_SYNCHRONOUS_MODES = ("NORMAL", "FULL", "EXTRA")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Settings for one deployment of the app.

    ``ENV`` is ``development``, ``testing`` or ``production``. Production refuses
    to start without ``SECRET_KEY`` and ``AUDIT_KEY``.
    """

    ENV: str = "development"
    SECRET_KEY: str = ""
    AUDIT_KEY: str = ""
    DATABASE_URL: str = ""
    SCHEME_NAME: str = "Shared Lives Match"
    SCHEME_MAX_PEOPLE: int = HARD_MAX_PEOPLE
    RETENTION_YEARS: int = 8
    RETENTION_CLOSED_REFERRAL_YEARS: int = 2
    #: A capacity assessment older than this is done again before a proposal is approved.
    CAPACITY_REVIEW_MONTHS: int = 12
    SESSION_IDLE_MINUTES: int = 30
    SESSION_ABSOLUTE_HOURS: int = 12
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCK_MINUTES: int = 15
    LOGIN_RATE_PER_ADDRESS: str = "20 per 10 minutes"
    RATELIMIT_STORAGE_URI: str = "memory://"
    SESSION_COOKIE_SECURE: bool = True
    #: Reverse proxies in front of the app (nginx = 1). Only then are X-Forwarded-For,
    #: -Proto and -Host believed: trusting them from anyone lets a client pick its address.
    TRUSTED_PROXIES: int = 0
    #: PostgreSQL cancels a statement after this long (0: never), so a stuck query or a
    #: lock held elsewhere gives a 503 and frees the worker before gunicorn's timeout.
    DB_STATEMENT_TIMEOUT_MS: int = 10000
    #: FULL: a write the app has acknowledged survives a power cut (README, "Durability").
    SQLITE_SYNCHRONOUS: str = "FULL"
    #: Where pg_dump and pg_restore are, when they are not on PATH (backup and restore).
    PG_BIN_DIR: str = ""
    #: Above this many pairs (people waiting x households) the scheme-wide suggestions are
    #: worked out in the background and the page asks to check again, rather than the
    #: request outlasting gunicorn's timeout; at or below it they are worked out at once.
    SCHEME_INLINE_PAIRS: int = 250_000
    #: Redis for background jobs (rq, worked by ``flask engine-worker``); when empty, the
    #: rate limits' Redis if they use one, else jobs run in a thread of the web worker.
    JOBS_REDIS_URL: str = ""
    #: Where workers share the engine inputs they build (one build per change, not one per
    #: worker); empty: ``instance/engine-inputs``; ``off``: each worker builds its own.
    ENGINE_INPUTS_DIR: str = ""
    #: After a write that changes the engine's inputs, the worker that made it builds them again
    #: in the background, so the next suggestions page does not wait for the build.
    ENGINE_INPUTS_WARM: bool = True
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Config:
        """Build the config from ``environ`` (default ``os.environ``) and overrides."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            if f.name == "extra" or f.name not in env:
                continue
            raw = env[f.name]
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"{f.name} must be a whole number, not {raw!r}") from exc
            elif f.type == "bool":
                values[f.name] = _bool(raw)
            else:
                values[f.name] = raw
        if "FLASK_ENV" in env and "ENV" not in values:
            values["ENV"] = env["FLASK_ENV"]
        extra = overrides.pop("extra", {})
        values.update(overrides)
        config = cls(**values, extra=extra)
        return config.completed()

    def completed(self) -> Config:
        """Fill development defaults and check the settings; raise ConfigError if unusable."""
        if self.ENV not in {"development", "testing", "production"}:
            raise ConfigError("ENV must be development, testing or production")
        updates: dict = {}
        if self.ENV == "production":
            if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
                raise ConfigError("SECRET_KEY must be set (32 characters or more) in production")
            if not self.AUDIT_KEY or len(self.AUDIT_KEY) < 32:
                raise ConfigError("AUDIT_KEY must be set (32 characters or more) in production")
        else:
            if not self.SECRET_KEY:
                updates["SECRET_KEY"] = "dev-only-secret-key-not-for-production-use"  # noqa: S105
            if not self.AUDIT_KEY:
                updates["AUDIT_KEY"] = "dev-only-audit-key-not-for-production-use"
            if "SESSION_COOKIE_SECURE" not in os.environ:
                updates["SESSION_COOKIE_SECURE"] = False
        if not self.DATABASE_URL:
            updates["DATABASE_URL"] = f"sqlite:///{INSTANCE_DIR / 'shared_lives.sqlite'}"
        if not self.ENGINE_INPUTS_DIR:
            updates["ENGINE_INPUTS_DIR"] = str(INSTANCE_DIR / "engine-inputs")
        if not 1 <= self.SCHEME_MAX_PEOPLE <= HARD_MAX_PEOPLE:
            raise ConfigError(f"SCHEME_MAX_PEOPLE must be between 1 and {HARD_MAX_PEOPLE}")
        if self.TRUSTED_PROXIES < 0:
            raise ConfigError("TRUSTED_PROXIES must be 0 (no proxy) or the number of proxies in front")
        if self.DB_STATEMENT_TIMEOUT_MS < 0:
            raise ConfigError("DB_STATEMENT_TIMEOUT_MS must be 0 (no limit) or a number of milliseconds")
        if self.SQLITE_SYNCHRONOUS.upper() not in SQLITE_SYNCHRONOUS_MODES:
            raise ConfigError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}")
        updates["SQLITE_SYNCHRONOUS"] = self.SQLITE_SYNCHRONOUS.upper()
        if self.SCHEME_INLINE_PAIRS < 0:
            raise ConfigError("SCHEME_INLINE_PAIRS must be 0 (always in the background) or a number of pairs")
        if self.RETENTION_YEARS < 1:
            raise ConfigError("RETENTION_YEARS must be at least 1")
        if self.RETENTION_CLOSED_REFERRAL_YEARS < 1:
            raise ConfigError("RETENTION_CLOSED_REFERRAL_YEARS must be at least 1")
        if not 1 <= self.CAPACITY_REVIEW_MONTHS <= 120:
            raise ConfigError("CAPACITY_REVIEW_MONTHS must be between 1 and 120")
        return replace(self, **updates) if updates else self

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")
