"""SQLite durability: what each ``SQLITE_SYNCHRONOUS`` setting costs per commit.

For each setting, a fresh SQLite database in ``--dir`` (default: a temporary folder;
point it at the disk the app will use) takes ``--commits`` transactions, each writing
one chained audit entry with the app's own code and committing, as a request does.
One JSON line per setting: commits per second and the median and 95th-percentile
milliseconds per commit.

    .venv/bin/python bench/bench_durability.py [--commits 500] [--dir /var/lib/slm]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from shared_lives.audit.services import SYSTEM, record
from shared_lives.config import SQLITE_SYNCHRONOUS_MODES
from shared_lives.db import create_all, make_engine

KEY = "bench-audit-key-0123456789abcdef0123456789"


def measure(folder: Path, mode: str, commits: int) -> dict:
    engine = make_engine(f"sqlite:///{folder / f'durability-{mode.lower()}.sqlite'}", sqlite_synchronous=mode)
    create_all(engine)
    times = []
    try:
        with Session(engine) as session:
            for i in range(commits):
                t0 = time.perf_counter()
                record(session, KEY, SYSTEM, "bench.write", "person", i)
                session.commit()
                times.append(time.perf_counter() - t0)
    finally:
        engine.dispose()
    times.sort()
    return {
        "bench": "sqlite_commit",
        "synchronous": mode,
        "commits": commits,
        "commits_per_second": round(commits / sum(times), 1),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=None, help="folder for the databases (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for mode in SQLITE_SYNCHRONOUS_MODES:
            print(json.dumps(measure(Path(folder), mode, args.commits)), flush=True)


if __name__ == "__main__":
    main()
