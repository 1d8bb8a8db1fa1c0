"""Accounts, sign-in and sessions. Rules live here; views only call these."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from limits import parse
from sqlalchemy import bindparam, func, update
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.audit.services import Actor
from shared_lives.auth import limiter
from shared_lives.auth.models import ROLES, AuthSession, User
from shared_lives.auth.passwords import hash_password, password_problem, verify_password
from shared_lives.auth.permissions import require
from shared_lives.errors import DomainError, PermissionDenied, ValidationError
from shared_lives.households.models import Household
from shared_lives.records import found
from shared_lives.timeutil import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SignInRefused(DomainError):
    """Sign-in failed; the message never says whether the account exists."""


@dataclass
class SignedInUser:
    """What Flask-Login holds for a request: the account and its server-side session."""

    user: User
    token: str

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return self.token

    def __getattr__(self, name):
        return getattr(self.user, name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_new_user(session: Session, email: str, role: str, household_id: int | None) -> None:
    """Raise ValidationError (with the field) when an account cannot be made as asked."""
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError("Enter an email address in the correct format, like name@example.com", "email")
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ValidationError("An account with this email address already exists", "email")
    if role not in ROLES:
        raise ValidationError("Select a role", "role")
    if role == "carer":
        if household_id is None:
            raise ValidationError("Select the carer's household", "household_id")
        if session.get(Household, household_id) is None:
            raise ValidationError("Select a household that exists", "household_id")
    elif household_id is not None:
        raise ValidationError("Only carers are linked to a household", "household_id")


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    name: str,
    role: str,
    password: str,
    household_id: int | None = None,
    temporary: bool = False,
) -> User:
    """Create an account. Callers check ``user:manage`` (the CLI acts as the system).

    A ``temporary`` password (one an administrator chose) must be changed at first sign-in.
    """
    email = normalise_email(email)
    name = (name or "").strip()
    check_new_user(session, email, role, household_id)
    if not name:
        raise ValidationError("Enter the person's full name", "name")
    if len(name) > 120:
        raise ValidationError("Name must be 120 characters or fewer", "name")
    problem = password_problem(password, email)
    if problem:
        raise ValidationError(problem, "password")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password),
        household_id=household_id if role == "carer" else None,
        must_change_password=temporary,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "user", user.id, changes={"email": email, "role": role})
    return user


def _unknown_email_failures(config):
    """A counter of failed sign-ins per email address that has no account.

    Unknown addresses lock like real accounts (same count, same words), so the
    lockout message never tells anyone which accounts exist. The count lives in the
    rate limits' store (Redis with several workers), keyed by a hash of the address.
    """
    return parse(f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_LOCK_MINUTES']} minutes")


def _unknown_email_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _unknown_email_locked(email: str, config) -> bool:
    try:
        return not limiter.limiter.test(_unknown_email_failures(config), "sign-in-unknown", _unknown_email_key(email))
    except Exception as exc:  # the store is unreachable: real accounts still lock in the database
        current_app.logger.warning("sign-in: unknown-address lockout unavailable (%s)", type(exc).__name__)
        return False


def _count_unknown_email_failure(email: str, config) -> None:
    try:
        limiter.limiter.hit(_unknown_email_failures(config), "sign-in-unknown", _unknown_email_key(email))
    except Exception as exc:
        current_app.logger.warning("sign-in: unknown-address lockout unavailable (%s)", type(exc).__name__)


def authenticate(session: Session, email: str, password: str, address: str | None, config) -> User:
    """Check a sign-in; lock the account after repeated failures. Raises SignInRefused.

    The answers are the same whether or not an account exists for ``email``.
    """
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    now = utcnow()
    generic = "Enter a correct email address and password"
    if user is not None:
        locked = bool(user.locked_until and user.locked_until > now)
    else:
        locked = _unknown_email_locked(email, config)
    if locked:
        verify_password(None, password)
        actor = Actor(user.id, email, user.role, address) if user else _unknown_actor(email, config, address)
        audit(session, actor, "auth.sign_in", "user", user.id if user else None, outcome="locked")
        raise SignInRefused(
            "There have been too many failed attempts to sign in with this email address. "
            f"Try again in {config['LOGIN_LOCK_MINUTES']} minutes or ask an administrator."
        )
    # The hash is checked for unknown addresses too (against a dummy): no timing tell.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        anon = _unknown_actor(email, config, address)
        if user is None:
            _count_unknown_email_failure(email, config)
        else:
            user.failed_logins += 1
            if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
                user.failed_logins = 0
            session.add(user)
            anon = Actor(user.id, email, user.role, address)
        audit(session, anon, "auth.sign_in", "user", user.id if user else None, outcome="failure")
        raise SignInRefused(generic)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    return user


def _unknown_actor(email: str, config, address: str | None) -> Actor:
    """Who tried to sign in with an address no account has: never what they typed (it may be a
    name, or a password in the wrong box), but a keyed digest, so repeated tries can be linked."""
    digest = hmac.new(str(config.get("AUDIT_KEY", "")).encode(), email.encode(), hashlib.sha256).hexdigest()[:12]
    return Actor(None, f"unknown account {digest}", "anonymous", address)


def start_session(session: Session, user: User, address: str | None) -> SignedInUser:
    """Open a new server-side session for ``user`` and audit the sign-in."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, address=address))
    audit(session, Actor(user.id, user.email, user.role, address), "auth.sign_in", "user", user.id)
    return SignedInUser(user=user, token=token)


#: Built once: every signed-in request runs it.
_SESSION_BY_TOKEN = select(AuthSession).where(AuthSession.token_hash == bindparam("token_hash"))


def load_session(session: Session, token: str, config) -> SignedInUser | None:
    """The signed-in user for ``token``, or None if it ended, idled out or expired."""
    if not token or len(token) > 100:
        return None
    row = session.exec(_SESSION_BY_TOKEN, params={"token_hash": _token_hash(token)}).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.revoked_at = now
        session.add(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
        session.add(row)
    return SignedInUser(user=user, token=token)


def end_session(session: Session, signed_in: SignedInUser) -> None:
    """Sign out: the session stops working at once, even if its cookie is replayed."""
    session.exec(
        update(AuthSession).where(AuthSession.token_hash == _token_hash(signed_in.token)).values(revoked_at=utcnow())
    )
    audit(session, actor_of(signed_in), "auth.sign_out", "user", signed_in.id)


def end_all_sessions(session: Session, user_id: int, except_token: str | None = None) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if except_token:
        stmt = stmt.where(AuthSession.token_hash != _token_hash(except_token))
    session.exec(stmt.values(revoked_at=utcnow()))


def change_password(session: Session, signed_in: SignedInUser, current: str, new: str) -> None:
    """Change one's own password; every other session of the account ends."""
    user = signed_in.user
    if not verify_password(user.password_hash, current):
        raise ValidationError("Your current password is not correct", "current_password")
    problem = password_problem(new, user.email)
    if problem:
        raise ValidationError(problem, "new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    end_all_sessions(session, user.id, except_token=signed_in.token)
    audit(session, actor_of(signed_in), "user.password_change", "user", user.id, changes={"password": True})


def _managed_user(session: Session, acting, user_id: int) -> User:
    require(acting, "user:manage")
    return found(session, User, user_id, "No such account")


def change_role(session: Session, acting, user_id: int, role: str, household_id: int | None) -> User:
    """Give an account another role. Nobody changes their own role."""
    user = _managed_user(session, acting, user_id)
    if user.id == acting.id:
        raise PermissionDenied("user:change_own_role")  # audited as access.denied
    if role not in ROLES:
        raise ValidationError("Select a role", "role")
    if role == "carer":
        if household_id is None or session.get(Household, household_id) is None:
            raise ValidationError("Select the carer's household", "household_id")
    else:
        household_id = None
    old = {"role": user.role, "household_id": user.household_id}
    user.role, user.household_id = role, household_id
    session.add(user)
    end_all_sessions(session, user.id)
    audit(
        session,
        actor_of(acting),
        "user.role_change",
        "user",
        user.id,
        changes={"role": [old["role"], role], "household_id": [old["household_id"], household_id]},
    )
    return user


def set_active(session: Session, acting, user_id: int, active: bool) -> User:
    """Deactivate (sessions end at once) or reactivate an account; never one's own."""
    user = _managed_user(session, acting, user_id)
    if user.id == acting.id:
        raise PermissionDenied("user:deactivate_self")
    if user.role == "admin" and not active:
        admins = session.exec(
            select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
        ).one()
        if admins <= 1:
            raise ValidationError("The last active administrator cannot be deactivated", "confirm")
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    session.add(user)
    if not active:
        end_all_sessions(session, user.id)
    action = "user.reactivate" if active else "user.deactivate"
    audit(session, actor_of(acting), action, "user", user.id, changes={"active": active})
    return user


def list_users(session: Session, acting) -> list[User]:
    require(acting, "user:manage")
    audit(session, actor_of(acting), "user.list")
    return list(session.exec(select(User).order_by(User.role, User.name)).all())


def get_user(session: Session, acting, user_id: int) -> User:
    return _managed_user(session, acting, user_id)
