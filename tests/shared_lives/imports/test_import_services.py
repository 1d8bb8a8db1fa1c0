"""Importing files through the services: checks at row and column, all or nothing, re-import, audit."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import verify_chain
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.imports.services import import_file
from shared_lives.people.models import Person
from tests.shared_lives.imports.conftest import csv_file, household_row, person_row


def run(app, db, manager, kind, data, filename=None, dry_run=False):
    with app.app_context():
        summary = import_file(db, manager, kind, filename or f"{kind}.csv", data, dry_run=dry_run)
        db.commit()
    return summary


def problems_at(summary) -> dict:
    return {(p.line, p.column): p.message for p in summary.problems}


def count(db, model) -> int:
    """Rows of ``model`` beyond those the ``users`` fixture made (its carer's household)."""
    made = {Household: 1, Carer: 1}.get(model, 0)
    if model in (DbsCheck, TrainingRecord):
        made = db.exec(select(func.count()).select_from(model).where(_fixture_rows(model))).one()
    return db.exec(select(func.count()).select_from(model)).one() - made


def _fixture_rows(model):
    fixture = select(Household.id).where(Household.name == "The Carer Test household").scalar_subquery()
    if model is DbsCheck:
        return DbsCheck.household_id == fixture
    return TrainingRecord.carer_id.in_(select(Carer.id).where(Carer.household_id == fixture))


def imported(db, model):
    """The rows of ``model`` that are not the ``users`` fixture's."""
    return [r for r in db.exec(select(model)).all() if not _is_fixture(db, r)]


def _is_fixture(db, row) -> bool:
    hid = getattr(row, "household_id", None)
    if hid is None and isinstance(row, TrainingRecord):
        hid = db.get(Carer, row.carer_id).household_id
    if isinstance(row, Household):
        hid = row.id
    return db.get(Household, hid).name == "The Carer Test household"


def test_households_and_people_go_in_with_their_members_pets_and_vocabularies(app, db, vocab, manager):
    summary = run(app, db, manager, "households", csv_file([household_row(1), household_row(2)]))
    assert (summary.created, summary.updated, summary.refused, summary.written) == (2, 0, 0, True)
    h = db.exec(select(Household).where(Household.name == "The Example1 household")).one()
    assert h.members == [
        {"name": "Alex Example1", "age": 45, "relationship": "Main carer"},
        {"name": "Sam Example1", "age": 12, "relationship": "Son"},
    ]
    assert h.pets == [{"kind": "dog", "number": 2}, {"kind": "cat", "number": 1}]  # in the order given
    assert (h.languages, h.faith, h.setting, h.lifestyle) == (["english", "welsh"], "none", "urban", "quiet")
    assert (h.step_free, h.smoking, h.bedrooms_spare, h.postcode) == (True, False, 1, "ME14 1XQ")
    assert h.easting is not None and h.reference.startswith("HH")
    people = run(app, db, manager, "people", csv_file([person_row(1)], "people"))
    assert people.created == 1
    p = db.exec(select(Person)).one()
    assert (p.date_of_birth.isoformat(), p.referral_date.isoformat()) == ("1976-01-15", "2026-05-01")
    assert (p.arrangement_type, p.needs, p.capacity) == ("short_breaks", ["learning_disability"], "has_capacity")


def test_each_kind_of_bad_cell_is_reported_at_its_row_and_column(app, db, vocab, manager):
    rows = [
        household_row(1, postcode="ME14 1ZZ"),  # row 2: a postcode that does not exist
        household_row(2, interests="Gardning; Music"),  # row 3: a term the scheme does not have
        household_row(3, postcode="Alex Example"),  # row 4: a person's name in the postcode column
        household_row(4, bedrooms_spare="Sam Example"),  # row 5: a name in a number column
        household_row(5, step_free="perhaps", members="Alex Example"),  # row 6: two problems
        household_row(6, age_min="90", age_max="30"),  # row 7: a rule across columns
        household_row(7, reference=""),  # row 8: no reference
    ]
    summary = run(app, db, manager, "households", csv_file(rows))
    found = problems_at(summary)
    assert found[(2, "postcode")] == "We cannot find this postcode. Check it and try again"
    assert found[(3, "interests")] == (
        "“Gardning” is not one of the scheme's terms for interests. Did you mean “Gardening”?"
    )
    assert found[(4, "postcode")] == "Enter a real postcode, like SW1A 1AA"
    assert found[(5, "bedrooms_spare")] == "Enter the number of spare bedrooms as a whole number"
    assert found[(6, "step_free")] == "Enter yes or no for step-free access"
    assert found[(6, "members")] == "Write each member as name (age, relationship), like Sam Example (12, Son)"
    assert found[(7, "age_min")] == "The youngest age must not be more than the oldest age"
    assert found[(8, "reference")] == "Enter the reference"
    assert summary.refused == 7 and not summary.written
    assert count(db, Household) == 0


def test_dates_that_are_not_dates_and_names_in_date_columns_are_refused_with_the_uk_example(app, db, vocab, manager):
    rows = [
        person_row(1, date_of_birth="31/02/1980"),
        person_row(2, referral_date="Jo Example"),
        person_row(3, date_of_birth="01/31/1980"),  # an American date is not a UK one
        person_row(4, date_of_birth="15/01/2015"),  # a child: the service's own rule
        person_row(5, preferred_postcode="Alex Example"),
    ]
    found = problems_at(run(app, db, manager, "people", csv_file(rows, "people")))
    assert found[(2, "date_of_birth")] == "Date of birth must be a real date, like 31/01/2026"
    assert found[(3, "referral_date")] == "Referral date must be a real date, like 31/01/2026"
    assert found[(4, "date_of_birth")] == "Date of birth must be a real date, like 31/01/2026"
    assert found[(5, "date_of_birth")] == "Shared Lives supports adults: the person must be 18 or over"
    assert found[(6, "preferred_postcode")] == "Enter a real postcode, like SW1A 1AA"
    assert count(db, Person) == 0


def test_a_batch_with_one_bad_row_writes_nothing(app, db, vocab, manager):
    audit_before = count(db, AuditEntry)
    rows = [household_row(n) for n in range(1, 6)] + [household_row(6, lifestyle="Rowdy")]
    summary = run(app, db, manager, "households", csv_file(rows))
    assert (summary.refused, summary.written) == (1, False)
    assert problems_at(summary) == {(7, "lifestyle"): "“Rowdy” is not one of the scheme's terms for lifestyle"}
    assert count(db, Household) == 0
    assert count(db, AuditEntry) == audit_before


def test_reimport_updates_the_records_it_made_and_never_duplicates(app, db, vocab, manager):
    first = run(app, db, manager, "households", csv_file([household_row(1), household_row(2)]))
    ids = sorted(h.id for h in imported(db, Household))
    again = run(app, db, manager, "households", csv_file([household_row(1), household_row(2)]))
    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    changed = run(app, db, manager, "households", csv_file([household_row(1, town="Rochester"), household_row(2)]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert sorted(h.id for h in imported(db, Household)) == ids
    db.expire_all()
    assert db.exec(select(Household.town).where(Household.name == "The Example1 household")).one() == "Rochester"
    # The reference is matched whatever its case; people too.
    run(app, db, manager, "people", csv_file([person_row(1)], "people"))
    again = run(app, db, manager, "people", csv_file([person_row(1, reference="cl-001", risks="New")], "people"))
    assert (again.created, again.updated, count(db, Person)) == (0, 1, 1)


def test_carers_dbs_and_training_attach_to_imported_households_and_update_on_reimport(app, db, vocab, manager):
    run(app, db, manager, "households", csv_file([household_row(1)]))
    carer = {
        "household_reference": "LEG-001",
        "name": "Alex Example1",
        "role": "Main carer",
        "gender": "female",
        "approval_status": "Approved",
        "panel_date": "17/11/2025",
        "approval_expires": "17 Nov 2027",
        "terms_arrangement_types": "Live-in",
        "terms_max_people": "2",
        "skills": "Autism; Dementia",
    }
    assert run(app, db, manager, "carers", csv_file([carer], "carers")).created == 1
    (c,) = imported(db, Carer)
    assert (c.approval_status, c.panel_date.isoformat(), c.skills) == ("approved", "2025-11-17", ["autism", "dementia"])
    dbs = {
        "household_reference": "leg-001",
        "adult_name": "Alex Example1",
        "certificate_number": "001234567890",
        "issued_on": "2024-09-09",
        "renew_by": "46639",
    }  # a spreadsheet's date serial: 9 September 2027
    assert run(app, db, manager, "dbs", csv_file([dbs], "dbs")).created == 1
    (check,) = imported(db, DbsCheck)
    assert (check.issued_on.isoformat(), check.renew_by.isoformat()) == ("2024-09-09", "2027-09-09")
    course = {
        "household_reference": "LEG-001",
        "carer_name": "alex example1",
        "course": "first aid",
        "completed_on": "11/10/2025",
    }
    assert run(app, db, manager, "training", csv_file([course], "training")).created == 1
    (t,) = imported(db, TrainingRecord)
    assert (t.course, t.renew_by.isoformat()) == ("First aid", "2028-10-11")  # the course's 3-year cycle
    # Again, changed: updated in place.
    carer["terms_max_people"] = "1"
    again = run(app, db, manager, "carers", csv_file([carer], "carers"))
    assert (again.created, again.updated, count(db, Carer)) == (0, 1, 1)
    assert run(app, db, manager, "dbs", csv_file([dbs], "dbs")).unchanged == 1
    assert run(app, db, manager, "training", csv_file([course], "training")).unchanged == 1
    missing = run(app, db, manager, "carers", csv_file([{**carer, "household_reference": "NOPE"}], "carers"))
    assert problems_at(missing) == {
        (2, "household_reference"): "No household has this reference: import the households first"
    }


def test_every_imported_record_is_audited_without_cell_text_and_the_chain_verifies(app, db, vocab, manager):
    marker = "Zqxmarker"
    rows = [household_row(n, routines=f"{marker} routine", name=f"The {marker}{n} household") for n in (1, 2, 3)]
    run(app, db, manager, "households", csv_file(rows))
    run(
        app,
        db,
        manager,
        "households",
        csv_file([household_row(1, routines="changed", name=f"The {marker}1 household")]),
    )
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    created = [e for e in entries if e.action == "household.create"]
    updated = [e for e in entries if e.action == "household.update"]
    runs = [e for e in entries if e.action == "import.run"]
    assert len(created) == 3 and len(updated) == 1 and len(runs) == 2
    assert {e.household_id for e in created} == {h.id for h in imported(db, Household)}
    assert runs[0].changes["kind"] == "households" and runs[0].changes["count"] == 3
    assert all(e.actor_label == "manager@test.example" for e in created + runs)
    assert marker.lower() not in str([(e.changes, e.actor_label) for e in entries]).lower()
    assert verify_chain(db, app.config["AUDIT_KEY"]).ok


def test_formula_like_cells_and_html_are_kept_as_text(app, db, vocab, manager):
    rows = [
        household_row(1, name='=HYPERLINK("http://x.example")', routines="+44 early; -risers", transport="@car"),
        household_row(2, name="<script>alert(1)</script> household", availability="<b>weekends</b>"),
    ]
    assert run(app, db, manager, "households", csv_file(rows)).created == 2
    names = {h.name for h in imported(db, Household)}
    assert names == {'=HYPERLINK("http://x.example")', "<script>alert(1)</script> household"}
    assert db.exec(select(Household.transport).where(Household.name.startswith("="))).one() == "@car"


def test_dry_run_checks_and_writes_nothing(app, db, vocab, manager):
    summary = run(app, db, manager, "households", csv_file([household_row(1)]), dry_run=True)
    assert (summary.created, summary.written, count(db, Household)) == (1, False, 0)


def test_a_reference_repeated_in_the_file_is_refused_on_its_second_row(app, db, vocab, manager):
    summary = run(app, db, manager, "households", csv_file([household_row(1), household_row(1)]))
    assert problems_at(summary) == {(3, "reference"): "Row 2 already has this reference"}


def test_a_refusal_while_writing_rolls_the_whole_batch_back(app, db, vocab, manager, monkeypatch):
    from shared_lives.errors import ValidationError
    from shared_lives.households import services as household_services

    real = household_services.create_household
    calls = []

    def third_refused(session, user, values):
        calls.append(values["name"])
        if len(calls) == 3:  # as if someone took the reference while the batch was being written
            raise ValidationError("Refused while writing", "name")
        return real(session, user, values)

    monkeypatch.setattr(household_services, "create_household", third_refused)
    audit_before = count(db, AuditEntry)
    with app.app_context():
        from shared_lives.imports.services import ImportRefused, check_file, write_checked

        checked, digest = check_file(
            db, manager, "households", "h.csv", csv_file([household_row(n) for n in (1, 2, 3)])
        )
        with pytest.raises(ValidationError) as refused:
            write_checked(db, manager, checked, digest)
        assert not isinstance(refused.value, ImportRefused) and str(refused.value) == "Refused while writing"
        db.commit()
    assert len(calls) == 3
    assert count(db, Household) == 0 and count(db, AuditEntry) == audit_before


def test_an_export_imported_into_the_same_scheme_updates_its_own_records(app, db, vocab, manager):
    from shared_lives.imports.columns import KINDS
    from shared_lives.imports.services import export_rows
    from shared_lives.imports.sheets import csv_bytes

    run(app, db, manager, "households", csv_file([household_row(1)]))  # one imported, one made here (fixture)
    kind = KINDS["households"]
    with app.app_context():
        rows = export_rows(db, kind)
    ours = db.exec(select(Household.reference).where(Household.name == "The Carer Test household")).one()
    assert sorted(r[0] for r in rows) == sorted(["LEG-001", ours])  # the scheme's reference, else ours
    again = run(app, db, manager, "households", csv_bytes(kind.headers, rows))
    assert again.problems == [] and again.created == 0 and again.updated + again.unchanged == 2
    assert count(db, Household) == 1
