"""Placement-history export: time and peak memory for 10,000 and 100,000 events.

Builds a temporary SQLite database with synthetic proposals (each gives five events:
proposed, two responses, an introduction and an approval), streams the CSV and JSON
exports through the same generators the download route uses, and prints one JSON line
per run: events, seconds (without tracing) and peak traced memory in MiB.

    .venv/bin/python bench/bench_exports.py [--events 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import Session

from shared_lives.auth.models import User
from shared_lives.db import create_all, make_engine
from shared_lives.exports.history import HistoryFilter
from shared_lives.exports.services import csv_chunks, json_chunks
from shared_lives.households.models import Household
from shared_lives.matches.models import Introduction, Proposal, ProposalResponse
from shared_lives.people.models import Person


def build(url: str, n_events: int) -> None:
    engine = make_engine(url)
    create_all(engine)
    proposals = n_events // 5
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with Session(engine) as s:
        s.add(User(email="c@x.example", name="Coordinator", role="coordinator", password_hash="x"))  # noqa: S106
        s.add(User(email="m@x.example", name="Manager", role="manager", password_hash="x"))  # noqa: S106
        for i in range(200):
            s.add(Household(reference=f"HB{i:05d}", name=f"H{i}", postcode="ME14 1XQ"))
            s.add(Person(reference=f"PB{i:05d}", first_name="P", last_name=f"{i}"))
        s.commit()
    with engine.begin() as conn:
        step = 5000
        for lo in range(0, proposals, step):
            ids = range(lo + 1, min(lo + step, proposals) + 1)
            conn.execute(
                insert(Proposal),
                [
                    {
                        "id": i,
                        "person_id": i % 200 + 1,
                        "household_id": (i * 7) % 200 + 1,
                        "arrangement_type": "live_in",
                        "status": "approved",
                        "rationale": "",
                        "proposed_by_id": 1,
                        "proposed_at": start + timedelta(minutes=i),
                        "approved_by_id": 2,
                        "approved_at": start + timedelta(minutes=i, days=30),
                        "person_response": "agree",
                        "carer_response": "agree",
                        "closed_note": "",
                        "version": 1,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(ProposalResponse),
                [
                    {
                        "proposal_id": i,
                        "side": side,
                        "decision": "agree",
                        "given_by": "person",
                        "given_by_name": "x",
                        "how_checked": "",
                        "note": "",
                        "household_views": "",
                        "recorded_by_id": 1,
                        "recorded_at": start + timedelta(minutes=i, days=d),
                    }
                    for i in ids
                    for side, d in (("person", 5), ("household", 6))
                ],
            )
            conn.execute(
                insert(Introduction),
                [
                    {
                        "proposal_id": i,
                        "kind": "tea_visit",
                        "planned_for": date(2020, 1, 1) + timedelta(days=i // 100),
                        "status": "completed",
                        "person_feedback": "",
                        "carer_feedback": "",
                        "recorded_by_id": 1,
                        "recorded_at": start,
                    }
                    for i in ids
                ],
            )
    engine.dispose()


def measure(url: str, fmt: str, trace: bool) -> tuple[float, float, int]:
    engine = make_engine(url)
    chunks = csv_chunks if fmt == "csv" else json_chunks
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    size = 0
    for chunk in chunks(engine, HistoryFilter()):
        size += len(chunk)
    seconds = time.perf_counter() - t0
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    engine.dispose()
    return seconds, peak, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.events:
            url = f"sqlite:///{Path(tmp) / f'bench{n}.sqlite'}"
            t0 = time.perf_counter()
            build(url, n)
            built = time.perf_counter() - t0
            for fmt in ("csv", "json"):
                seconds, _, size = measure(url, fmt, trace=False)
                _, peak, _ = measure(url, fmt, trace=True)
                print(
                    json.dumps(
                        {
                            "bench": "export_placement_history",
                            "format": fmt,
                            "events": n,
                            "seconds": round(seconds, 2),
                            "peak_mib": round(peak, 2),
                            "bytes": size,
                            "build_seconds": round(built, 1),
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
