"""Backup and restore of the SQLite database (the online backup API: safe while the app runs).

PostgreSQL deployments use ``pg_dump`` and ``pg_restore`` instead; see
``docs/postgres-audit-grants.md``. Either way, a restore is checked by verifying the
audit chain (``flask --app wsgi audit verify``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

COUNTED = ("audit_entry", "user", "person", "household", "carer", "proposal", "arrangement", "review")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite"):
        raise BackupError(
            "backup and restore copy SQLite databases. For PostgreSQL use pg_dump and pg_restore "
            "(see docs/postgres-audit-grants.md, 'Backup and restore')."
        )
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(path)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED if t in tables}  # noqa: S608


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} fails SQLite's integrity check: {result}")


def backup(url: str, target: str | Path) -> dict[str, int]:
    """Copy the live database to ``target`` page by page; return row counts of the copy."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    target = Path(target)
    if target.resolve() == source_path.resolve():
        raise BackupError("the backup must be a different file from the database")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check(copy, "the backup")
        return counts(copy)
    finally:
        copy.close()
        source.close()


def restore(backup_file: str | Path, url: str, force: bool = False) -> dict[str, int]:
    """Copy a backup into the configured database, which must be new or empty unless ``force``."""
    target_path = sqlite_path(url)
    source = sqlite3.connect(f"file:{Path(backup_file)}?mode=ro", uri=True)
    try:
        _check(source, "the backup file")
        if "audit_entry" not in counts(source):
            raise BackupError("the file is not a Shared Lives Match backup (it has no audit log)")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path)
        try:
            existing = counts(target)
            if any(existing.values()) and not force:
                raise BackupError(
                    f"the database at {target_path} already holds data; restore into a fresh database, "
                    "or pass --force to replace it"
                )
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            _check(target, "the restored database")
            return counts(target)
        finally:
            target.close()
    finally:
        source.close()
