"""Audit log: search pages on a million entries, and chain verification throughput.

Search: a temporary SQLite database gets ``--rows`` synthetic entries (default
1,000,000), then each search of the audit page (first page, a page deep in the log,
filters by person, household, user, action prefix and period, each sort order) is timed
as the median of 5 runs. Verify: a real chain of ``--chain`` entries (default 100,000)
(default 1,000,000, hashed as the app hashes) is built and verified: the goal is at least
100,000 entries a second. One JSON line per measurement.

    .venv/bin/python bench/bench_audit.py [--rows 1000000] [--chain 1000000] [--only search|verify]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import Session

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.search import Filters, find_page
from shared_lives.audit.services import GENESIS, HASHED_COLUMNS, canonical_bytes, verify_chain
from shared_lives.db import create_all, make_engine

ACTIONS = ["person.view", "person.update", "household.view", "household.update", "auth.sign_in", "proposal.create"]
START = datetime(2020, 1, 1, tzinfo=UTC)


def fill(engine, rows: int) -> None:
    rnd = random.Random(7)
    step = 20_000
    with engine.begin() as conn:
        for lo in range(0, rows, step):
            batch = []
            for i in range(lo, min(lo + step, rows)):
                action = ACTIONS[rnd.randrange(len(ACTIONS))]
                kind = action.split(".")[0]
                batch.append(
                    {
                        "at": START + timedelta(seconds=i * 60),
                        "actor_id": rnd.randrange(1, 60),
                        "actor_label": f"user{rnd.randrange(1, 60)}@scheme.example",
                        "actor_role": "coordinator",
                        "action": action,
                        "record_type": kind,
                        "record_id": rnd.randrange(1, 5000),
                        "person_id": rnd.randrange(1, 5000) if kind == "person" else None,
                        "household_id": rnd.randrange(1, 2000) if kind == "household" else None,
                        "outcome": "success",
                        "changes": None,
                        "prev_hash": "0" * 64,
                        "hash": "0" * 64,
                    }
                )
            conn.execute(insert(AuditEntry), batch)


def timed(fn, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench_search(rows: int, tmp: Path) -> None:
    url = f"sqlite:///{tmp / 'audit.sqlite'}"
    engine = make_engine(url)
    create_all(engine)
    t0 = time.perf_counter()
    fill(engine, rows)
    print(json.dumps({"bench": "audit_fill", "rows": rows, "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    with Session(engine) as s:
        deep = find_page(s, Filters(sort="newest"), size=50)
        # A cursor half-way down the log.
        middle = deep.next_cursor
        from shared_lives.audit.search import encode_cursor

        middle = encode_cursor(None, rows // 2)
        cases = {
            "first page, newest": lambda: find_page(s, Filters()),
            "page half-way down (keyset)": lambda: find_page(s, Filters(), after=middle),
            "oldest first": lambda: find_page(s, Filters(sort="oldest")),
            "by person id": lambda: find_page(s, Filters(person="1234")),
            "by household id": lambda: find_page(s, Filters(household="321")),
            "by user email": lambda: find_page(s, Filters(user="user7@scheme.example")),
            "by action prefix": lambda: find_page(s, Filters(action="household.")),
            "by exact action, sorted by user": lambda: find_page(s, Filters(action="auth.sign_in", sort="user")),
            "by period (one day, a year ago)": lambda: find_page(
                s, Filters(date_from="2020-06-01", date_to="2020-06-01")
            ),
            "sorted by action": lambda: find_page(s, Filters(sort="action")),
            "person + period": lambda: find_page(
                s, Filters(person="1234", date_from="2020-01-01", date_to="2020-12-31")
            ),
        }
        for name, fn in cases.items():
            shown = len(fn().entries)
            print(
                json.dumps(
                    {
                        "bench": "audit_search",
                        "rows": rows,
                        "case": name,
                        "median_ms": round(timed(fn), 2),
                        "shown": shown,
                    }
                ),
                flush=True,
            )
    engine.dispose()


def build_chain(engine, key: str, n: int) -> None:
    """A real chain of ``n`` entries (varied actors, records and changes), hashed as the app hashes."""
    rnd = random.Random(11)
    keyed = hmac.new(key.encode(), digestmod=hashlib.sha256)
    prev = GENESIS
    batch = []
    with engine.begin() as conn:
        for i in range(n):
            action = ACTIONS[i % len(ACTIONS)]
            kind = action.split(".")[0]
            row = {
                "at": START + timedelta(seconds=i),
                "actor_id": rnd.randrange(1, 60),
                "actor_label": f"user{rnd.randrange(1, 60)}@scheme.example",
                "actor_role": "coordinator",
                "action": action,
                "record_type": kind,
                "record_id": i,
                "person_id": i if kind == "person" else None,
                "household_id": i if kind == "household" else None,
                "outcome": "success",
                "changes": {"status": ["waiting", "matched"], "notes": "(changed)"} if i % 3 == 0 else None,
                "address": "127.0.0.1",
                "prev_hash": prev,
            }
            mac = keyed.copy()
            mac.update(canonical_bytes(tuple(row[c] for c in HASHED_COLUMNS)))
            row["hash"] = prev = mac.hexdigest()
            batch.append(row)
            if len(batch) == 20_000:
                conn.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(AuditEntry), batch)


def bench_verify(n: int, tmp: Path) -> None:
    key = "bench-audit-key-0123456789abcdef0123456789"
    url = f"sqlite:///{tmp / 'chain.sqlite'}"
    engine = make_engine(url)
    create_all(engine)
    t0 = time.perf_counter()
    build_chain(engine, key, n)
    print(json.dumps({"bench": "audit_chain_build", "entries": n, "seconds": round(time.perf_counter() - t0, 1)}))
    with Session(engine) as s:
        t0, c0 = time.perf_counter(), time.process_time()
        report = verify_chain(s, key)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    # The CPU time is this process's own: on a machine shared with other work it shows what
    # verification costs when the wall clock is stretched by others' load (reported too).
    print(
        json.dumps(
            {
                "bench": "audit_verify",
                "database": "sqlite",
                "entries": n,
                "ok": report.ok,
                "seconds": round(seconds, 2),
                "per_second": int(n / seconds),
                "cpu_seconds": round(cpu, 2),
                "per_cpu_second": int(n / cpu),
                "load_average": round(os.getloadavg()[0], 1),
            }
        ),
        flush=True,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chain", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["search", "verify"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "verify":
            bench_search(args.rows, Path(tmp))
        if args.only != "search":
            bench_verify(args.chain, Path(tmp))


if __name__ == "__main__":
    main()
