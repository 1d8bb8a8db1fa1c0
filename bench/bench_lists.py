"""Time the household and people list pages with 5,000 of each: ``python bench/bench_lists.py``.

Seeds a temporary SQLite database (bulk inserts, no audit), signs in a coordinator
and times each page through the Flask test client. Prints one JSON line per page
with median and worst milliseconds over ``--repeat`` runs, and the SQL statements
one request issues (to show there is no per-row query).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

from shared_lives import create_app  # noqa: E402
from shared_lives.audit.services import SYSTEM  # noqa: E402
from shared_lives.auth.services import create_user  # noqa: E402
from shared_lives.carers.models import Carer  # noqa: E402
from shared_lives.db import create_all, get_engine  # noqa: E402
from shared_lives.households.models import Household  # noqa: E402
from shared_lives.people.models import Person  # noqa: E402
from shared_lives.placements.models import Arrangement  # noqa: E402
from shared_lives.vocab.services import load_vocabularies  # noqa: E402

TOWNS = ["Maidstone", "Gillingham", "Chatham", "Rochester", "Tonbridge", "Sevenoaks", "Ashford", "Dartford"]
OUTWARD = ["ME1", "ME4", "ME5", "ME14", "ME15", "ME16", "TN9", "TN10", "DA1", "CT1"]
TYPES = ["live_in", "short_breaks", "day_support", "emergency"]
STATUSES = ["approved", "approved", "approved", "assessment", "suspended"]


def seed(engine, n: int) -> None:
    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(
            insert(Household),
            [
                {
                    "reference": f"HB{i:05d}",
                    "name": f"The {rng.choice(['Smith', 'Jones', 'Patel', 'Khan', 'Brown', 'Taylor'])}-{i} household",
                    "town": rng.choice(TOWNS),
                    "postcode": f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice('ABDEF')}{rng.choice('GHJLN')}",
                    "members": [{"name": "A", "age": 50, "relationship": "Carer"}],
                    "pets": [],
                    "languages": ["english"],
                    "interests": ["music"],
                    "arrangement_types": rng.sample(TYPES, 2),
                    "needs_can_meet": ["autism"],
                    "cannot_offer": [],
                    "needs_review": i % 50 == 0,
                }
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(Carer),
            [
                {
                    "household_id": i,
                    "name": f"Carer {i}",
                    "approval_status": rng.choice(STATUSES),
                    "approval_expires": date(2027, 1, 1) + timedelta(days=rng.randint(-400, 400)),
                    "terms_arrangement_types": ["live_in"],
                    "terms_max_people": rng.randint(1, 3),
                    "skills": ["autism"],
                }
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(Person),
            [
                {
                    "reference": f"PB{i:05d}",
                    "first_name": f"First{i}",
                    "last_name": f"Last{i % 997}",
                    "status": rng.choice(["referred", "waiting", "waiting", "matched", "closed"]),
                    "arrangement_type": rng.choice(TYPES),
                    "preferred_postcode": f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}AB",
                    "needs": ["autism"],
                    "interests": ["music"],
                    "allergies": [],
                    "languages": ["english"],
                }
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(Arrangement),
            [
                {
                    "person_id": i,
                    "household_id": i,
                    "arrangement_type": "live_in",
                    "status": "active",
                    "start_date": date(2025, 1, 1),
                }
                for i in range(1, n // 3)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-lists-")
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "AUDIT_KEY": "bench-audit-key-0123456789abcdef0123456789",
            "LOGIN_RATE_PER_ADDRESS": "10000 per minute",
            "extra": {"WTF_CSRF_ENABLED": False},
        }
    )
    engine = get_engine(app)
    create_all(engine)
    started = time.perf_counter()
    seed(engine, args.n)
    with app.app_context(), Session(engine) as s:
        load_vocabularies(s)
        create_user(s, SYSTEM, "bench@example.test", "Bench", "coordinator", "bench-passphrase-long")
        s.commit()
    print(
        json.dumps(
            {
                "bench": "seed",
                "households": args.n,
                "people": args.n,
                "ms": round((time.perf_counter() - started) * 1000),
            }
        )
    )
    client = app.test_client()
    client.post("/sign-in", data={"email": "bench@example.test", "password": "bench-passphrase-long"})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    pages = {
        "households first page": "/households",
        "households search": "/households?q=smith",
        "households filtered": "/households?arrangement_type=live_in&status=approved&area=ME14&availability=space",
        "households to review": "/households?status=to_review",
        "households deep page": f"/households?page={args.n // 25}",
        "people first page": "/people",
        "people search": "/people?q=last12",
        "people filtered": "/people?arrangement_type=short_breaks&status=waiting&area=ME",
        "people deep page": f"/people?page={args.n // 25}",
        "compliance": "/households/compliance",
    }
    for label, url in pages.items():
        times = []
        for _ in range(args.repeat):
            statements.clear()
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        print(
            json.dumps(
                {
                    "bench": "list",
                    "page": label,
                    "url": url,
                    "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(max(times), 1),
                    "sql_statements": len(statements),
                }
            )
        )


if __name__ == "__main__":
    main()
