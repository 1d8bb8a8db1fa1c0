"""Export, then import into an empty scheme: the same records (the demo scheme, in CSV and XLSX)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from shared_lives.auth.services import SignedInUser
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.carers.services import CARER_FIELDS
from shared_lives.db import create_all, get_engine
from shared_lives.demo import load_demo
from shared_lives.households.models import Household
from shared_lives.households.services import STAFF_FIELDS
from shared_lives.imports.columns import KINDS
from shared_lives.imports.services import export_rows, import_file
from shared_lives.imports.sheets import csv_bytes, xlsx_bytes
from shared_lives.people.models import Person
from shared_lives.people.services import FIELDS as PERSON_FIELDS
from shared_lives.vocab.services import load_vocabularies
from tests import factories

ORDER = ("households", "carers", "dbs", "training", "people")
LOCATED = ("easting", "northing", "local_authority")


def same(value):
    """A value as the services keep it: lists of codes are sets (sorted). The demo loader writes
    its JSON's order as it is, so only the order of codes may differ, never the content."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    return value


def scheme(session: Session) -> dict:
    """Every imported kind of record, keyed by what identifies it outside this database."""
    households = {h.id: h for h in session.exec(select(Household)).all()}
    carers = {c.id: c for c in session.exec(select(Carer)).all()}

    def ref(h):
        return h.reference

    return {
        "households": {
            h.reference: {f: same(getattr(h, f)) for f in (*STAFF_FIELDS, *LOCATED)} for h in households.values()
        },
        "carers": {
            (ref(households[c.household_id]), c.name): {f: same(getattr(c, f)) for f in CARER_FIELDS}
            for c in carers.values()
        },
        "dbs": sorted(
            (ref(households[d.household_id]), d.adult_name, d.certificate_number, d.issued_on, d.renew_by)
            for d in session.exec(select(DbsCheck)).all()
        ),
        "training": sorted(
            (
                ref(households[carers[t.carer_id].household_id]),
                carers[t.carer_id].name,
                t.course,
                t.completed_on,
                t.renew_by,
            )
            for t in session.exec(select(TrainingRecord)).all()
        ),
        "people": {
            p.reference: {f: same(getattr(p, f)) for f in (*PERSON_FIELDS, "easting", "northing")}
            for p in session.exec(select(Person)).all()
        },
    }


def imported_scheme(session: Session) -> dict:
    """The same, with the scheme's references (the imported records' own are new ones)."""
    from shared_lives.imports.models import ImportedRecord

    got = scheme(session)
    for kind in ("households", "people"):
        model = Household if kind == "households" else Person
        ours = dict(session.exec(select(model.reference, model.id)).all())
        theirs = {
            r.record_id: r.reference
            for r in session.exec(select(ImportedRecord).where(ImportedRecord.kind == kind)).all()
        }
        renamed = {ours_ref: theirs[rid] for ours_ref, rid in ours.items()}
        got[kind] = {renamed[k]: v for k, v in got[kind].items()}
        if kind == "households":
            for name in ("carers", "dbs", "training"):
                items = got[name]
                if isinstance(items, dict):
                    got[name] = {(renamed[k[0]], *k[1:]): v for k, v in items.items()}
                else:
                    got[name] = sorted((renamed[i[0]], *i[1:]) for i in items)
    return got


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demo_scheme_round_trips_through_export_and_import(app, app_config, fresh_database, fmt):
    from shared_lives import create_app

    source_engine = get_engine(app)
    with app.app_context(), Session(source_engine) as session:
        load_demo(session)
        session.commit()
        before = scheme(session)
        files = {}
        for key in ORDER:
            kind = KINDS[key]
            rows = export_rows(session, kind)
            files[key] = csv_bytes(kind.headers, rows) if fmt == "csv" else xlsx_bytes(kind.label, kind.headers, rows)
    assert len(before["households"]) >= 60 and len(before["people"]) >= 40 and before["training"]

    empty = create_app({**app_config, "DATABASE_URL": fresh_database})
    engine = get_engine(empty)
    create_all(engine)
    try:
        with empty.app_context(), Session(engine) as session:
            load_vocabularies(session)
            manager = SignedInUser(factories.make_user(session, "manager"), "test")
            session.commit()
            for key in ORDER:
                summary = import_file(session, manager, key, f"{key}.{fmt}", files[key])
                assert summary.problems == [] and summary.written, key
                session.commit()
            after = imported_scheme(session)
            # And once more: the same file changes nothing and adds nothing.
            for key in ORDER:
                again = import_file(session, manager, key, f"{key}.{fmt}", files[key])
                assert (again.created, again.updated) == (0, 0), key
    finally:
        engine.dispose()
    for key in ORDER:
        assert after[key] == before[key], differences(before[key], after[key])


def differences(before, after) -> list:
    """Where two kinds of records differ, field by field, so a failure says what."""
    if not isinstance(before, dict):
        return sorted(set(before) ^ set(after))[:10]
    out = [("only one side", k) for k in set(before) ^ set(after)]
    for k in set(before) & set(after):
        out += [(k, f, before[k][f], after[k][f]) for f in before[k] if before[k][f] != after[k][f]]
    return out[:10]
