"""Accounts and their server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow

ROLES = ("admin", "manager", "coordinator", "carer", "auditor")


class User(SQLModel, table=True):
    """A person who signs in: scheme staff, an auditor, or a carer of one household."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    active: bool = True
    #: An administrator set a temporary password: it must be changed at the next sign-in.
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class AuthSession(SQLModel, table=True):
    """A signed-in browser session; revoked at sign-out, password change or deactivation."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    address: str | None = Field(default=None, max_length=64)
