"""Import: 5,000 households with their carers through ``flask import`` (target under 30 s).

Writes synthetic CSV files (Faker en_GB names, real postcodes from the demo scheme), then
runs the command line on a fresh SQLite database, as a scheme would: households first,
then carers. Every row goes through the record services (checked, written, audited).
Prints one JSON line: rows, seconds and rows per second for each file and in all.

    .venv/bin/python bench/bench_import.py [--households 5000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faker import Faker  # noqa: E402
from sqlmodel import Session  # noqa: E402

from shared_lives import create_app  # noqa: E402
from shared_lives.db import create_all, get_engine  # noqa: E402
from shared_lives.imports.columns import KINDS  # noqa: E402
from shared_lives.imports.sheets import csv_bytes, read_sheet  # noqa: E402
from shared_lives.vocab.services import load_vocabularies  # noqa: E402
from tests import factories  # noqa: E402


def files(n: int, folder: Path) -> dict[str, Path]:
    fake = Faker("en_GB")
    Faker.seed(15)
    rng = random.Random(15)
    postcodes = sorted(
        {h["postcode"] for h in json.loads((ROOT / "data" / "demo_scheme.json").read_text())["households"]}
    )
    households, carers = [], []
    for i in range(1, n + 1):
        surname = fake.last_name()
        first, second = fake.first_name(), fake.first_name()
        while second == first:
            second = fake.first_name()
        main, partner = f"{first} {surname}", f"{second} {surname}"
        both = rng.random() < 0.5
        members = f"{main} ({rng.randint(30, 70)}, Main carer)" + (
            f"; {partner} ({rng.randint(30, 70)}, Partner)" if both else ""
        )
        households.append(
            {
                "reference": f"LEG-{i:05d}",
                "name": f"The {surname} household",
                "address_line": fake.street_address(),
                "town": fake.city(),
                "postcode": rng.choice(postcodes),
                "bedrooms_spare": str(rng.randint(0, 3)),
                "step_free": rng.choice(["yes", "no"]),
                "members": members,
                "pets": rng.choice(["", "Dog (1)", "Cat (2)"]),
                "smoking": "no",
                "languages": "English",
                "lifestyle": rng.choice(["Quiet", "Mixed", "Busy"]),
                "setting": "Town or city",
                "interests": "Gardening; Music",
                "arrangement_types": "Live-in; Short breaks",
                "needs_can_meet": "Autism; Dementia",
                "age_min": "18",
                "age_max": "90",
            }
        )
        for name, role in [(main, "Main carer")] + ([(partner, "Support carer")] if both else []):
            carers.append(
                {
                    "household_reference": f"LEG-{i:05d}",
                    "name": name,
                    "role": role,
                    "gender": "Female",
                    "approval_status": "Approved",
                    "panel_date": "17/11/2025",
                    "approval_expires": "17 Nov 2027",
                    "terms_arrangement_types": "Live-in; Short breaks",
                    "terms_max_people": "2",
                    "skills": "Autism",
                }
            )
    out = {}
    for key, rows in (("households", households), ("carers", carers)):
        kind = KINDS[key]
        path = folder / f"{key}.csv"
        path.write_bytes(csv_bytes(kind.headers, [[r.get(c.key, "") for c in kind.columns] for r in rows]))
        out[key] = path
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "b" * 40, "AUDIT_KEY": "a" * 40})
        engine = get_engine(app)
        create_all(engine)
        with app.app_context(), Session(engine) as session:
            load_vocabularies(session)
            factories.make_user(session, "manager", email="bench@example.org")
            session.commit()
        paths = files(args.households, folder)
        runner = app.test_cli_runner()
        result = {"bench": f"import_{args.households}_households_with_carers", "database": url.split(":")[0]}
        total_rows = total_seconds = total_cpu = 0.0
        for key, path in paths.items():
            rows = len(read_sheet(path.read_bytes(), path.name, max_rows=None, max_bytes=None).rows)
            start, cpu = time.perf_counter(), time.process_time()
            run = runner.invoke(args=["import", key, str(path), "--user", "bench@example.org"])
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            if run.exit_code != 0:
                raise SystemExit(run.output)
            result[key] = {
                "rows": rows,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "rows_per_second": round(rows / seconds),
            }
            total_rows += rows
            total_seconds += seconds
            total_cpu += cpu
        # The machine is shared: CPU seconds say what the import costs when the cores are busy elsewhere.
        result.update(
            seconds=round(total_seconds, 2),
            cpu_seconds=round(total_cpu, 2),
            rows_per_second=round(total_rows / total_seconds),
            target_seconds=30,
        )
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
