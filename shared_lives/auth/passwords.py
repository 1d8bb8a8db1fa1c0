"""Password rules and hashing (argon2id)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt.gz"
_hasher = PasswordHasher()
# Verified against when an account does not exist, so both paths take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` cannot be used, in plain words, or None if it can."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in _common_passwords() or password.strip().lower() in _common_passwords():
        return "Password is too common. Choose one that is harder to guess"
    if email and password.lower() == email.lower():
        return "Password must not be your email address"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
