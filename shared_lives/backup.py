"""Backup and restore, the same two commands on either database.

SQLite: the online backup API copies the live file page by page (safe while the app runs).
PostgreSQL: ``pg_dump --format=custom`` from a snapshot the backup also counts its rows in,
and ``pg_restore`` in one transaction into a fresh database. Either way ``flask restore``
then verifies the audit chain.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

COUNTED = ("audit_entry", "user", "person", "household", "carer", "proposal", "arrangement", "review")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite"):
        raise BackupError("backup and restore work on SQLite and PostgreSQL databases only")
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


def backup(url: str, target: str | Path, pg_bin_dir: str = "") -> dict[str, int]:
    """Copy the live database to ``target``; return the row counts of the copy."""
    if is_postgresql(url):
        return _pg_backup(url, Path(target), pg_bin_dir)
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


def restore(backup_file: str | Path, url: str, force: bool = False, pg_bin_dir: str = "") -> dict[str, int]:
    """Copy a backup into the configured database, which must be new or empty unless ``force``."""
    if is_postgresql(url):
        return _pg_restore(Path(backup_file), url, force, pg_bin_dir)
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


# --- PostgreSQL ----------------------------------------------------------------------


def pg_tool(name: str, bin_dir: str = "") -> str:
    """The path of ``pg_dump`` or ``pg_restore``: in ``bin_dir`` (PG_BIN_DIR), on PATH, or Debian's newest."""
    if bin_dir:
        candidates = [str(Path(bin_dir) / name)]
    else:
        on_path = shutil.which(name)
        newest_first = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major_version, reverse=True)
        candidates = [p for p in (on_path, *newest_first) if p]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    where = f"in PG_BIN_DIR ({bin_dir})" if bin_dir else "on PATH or in /usr/lib/postgresql/*/bin"
    raise BackupError(
        f"{name} was not found {where}. Install the PostgreSQL client tools of the server's version or newer "
        "(Debian: apt-get install postgresql-client), or set PG_BIN_DIR to the folder that holds them."
    )


def _major_version(path: str) -> int:
    version = Path(path).parent.parent.name
    return int(version) if version.isdigit() else 0


def libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools; the password goes in the environment, never argv."""
    parts = make_url(url)
    # A libpq URI keeps host, port, user, database and options such as sslmode.
    conninfo = URL.create(
        "postgresql", parts.username, None, parts.host, parts.port, parts.database, parts.query
    ).render_as_string(hide_password=False)
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parts.password:
        env["PGPASSWORD"] = str(parts.password)
    return [f"--dbname={conninfo}"], env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + (detail[-1] if detail else f"exit code {done.returncode}"))


def pg_counts(conn: Connection) -> dict[str, int]:
    present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in COUNTED if t in present}  # noqa: S608


def _pg_backup(url: str, target: Path, bin_dir: str) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump", bin_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    args, env = libpq_args(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # pg_dump reads the snapshot this transaction exported, so the counts below
            # are exactly the rows in the file, however much the app writes meanwhile.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            found = pg_counts(conn)
            if "audit_entry" not in found:
                raise BackupError("the database has no audit log: is DATABASE_URL the app's database?")
            command = [pg_dump, *args, "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"]
            _run(command, env, "pg_dump")
            conn.rollback()
    finally:
        engine.dispose()
    return found


def _pg_restore(backup_file: Path, url: str, force: bool, bin_dir: str) -> dict[str, int]:
    pg_restore = pg_tool("pg_restore", bin_dir)
    args, env = libpq_args(url)
    listing = subprocess.run([pg_restore, "--list", str(backup_file)], capture_output=True, text=True, check=False)  # noqa: S603
    if listing.returncode != 0:
        raise BackupError(f"{backup_file} is not a pg_dump archive in custom format (made by `flask backup`)")
    if not re.search(r"^\d+; \d+ \d+ TABLE DATA \S+ audit_entry\b", listing.stdout, re.MULTILINE):
        raise BackupError("the file is not a Shared Lives Match backup (it has no audit log)")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            existing = pg_counts(conn)
        if any(existing.values()) and not force:
            raise BackupError(
                f"the database {make_url(url).database} already holds data; restore into a fresh database "
                "(createdb), or pass --force to replace it"
            )
        # One transaction: a restore that fails part way leaves the database as it was.
        # Ownership and grants are the target's own (re-apply the grants in docs/postgres-audit-grants.md).
        options = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
        if existing:  # the app's tables are there (empty, or --force): replace them
            options += ["--clean", "--if-exists"]
        _run([pg_restore, *args, *options, str(backup_file)], env, "pg_restore")
        with engine.connect() as conn:
            return pg_counts(conn)
    finally:
        engine.dispose()
