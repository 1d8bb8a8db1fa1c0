"""Who may do what: the carer IDOR sweep, mass assignment, carers' own household, role limits."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from tests import factories
from tests.conftest import csrf_from, post_form
from tests.shared_lives.households.conftest import household_form, own_form


def _object_urls(h_id, carer_id, dbs_id, training_id, person_id):
    base = f"/households/{h_id}"
    return [
        base,
        f"{base}/edit",
        f"{base}/reviewed",
        f"{base}/carers/new",
        f"{base}/carers/{carer_id}/edit",
        f"{base}/carers/{carer_id}/training/new",
        f"{base}/carers/{carer_id}/training/{training_id}/edit",
        f"{base}/carers/{carer_id}/training/{training_id}/remove",
        f"{base}/dbs/new",
        f"{base}/dbs/{dbs_id}/edit",
        f"{base}/dbs/{dbs_id}/remove",
        f"/people/{person_id}",
        f"/people/{person_id}/edit",
    ]


def test_carer_idor_sweep_leaks_nothing(app, signed_in, vocab, db, users, other_household):
    other, other_carer = other_household
    with app.app_context():
        person = factories.make_person(db, first_name="Secretive", last_name="Personname")
        training = TrainingRecord(carer_id=other_carer.id, course="First aid", completed_on=date(2025, 1, 1))
        db.add(training)
        db.commit()
    dbs = db.exec(select(DbsCheck).where(DbsCheck.household_id == other.id)).first()
    own = users["carer"].household_id
    own_carer = db.exec(select(Carer).where(Carer.household_id == own)).first()
    carer = signed_in("carer")
    token = csrf_from(carer.get("/my-household"))
    secrets = [other.name, other_carer.name, "Secretive", "Personname", other.postcode]
    sweeps = _object_urls(other.id, other_carer.id, dbs.id, training.id, person.id)
    # Mixed ids: own household with another's carer, and so on.
    sweeps += _object_urls(own, other_carer.id, dbs.id, training.id, person.id)
    sweeps += _object_urls(own, own_carer.id, dbs.id, training.id, 999999)
    sweeps += [f"/households/{n}" for n in (0, 999999, 2**40)]
    leaks = []
    before = {
        "household": db.get(Household, other.id).version,
        "carer": db.get(Carer, other_carer.id).version,
    }
    for url in sweeps:
        for method in ("get", "post"):
            data = {"csrf_token": token, **household_form(name="Hijacked"), "confirm": "y", "course": "Hijack"}
            r = getattr(carer, method)(url, data=data) if method == "post" else carer.get(url)
            body = r.get_data(as_text=True)
            if r.status_code not in (403, 404, 405) or any(s in body for s in secrets):
                leaks.append((method, url, r.status_code))
    assert leaks == []
    for url in ("/households", "/households/new", "/households/compliance", "/people", "/people/new", "/vocabularies"):
        assert carer.get(url).status_code == 403, url
    db.expire_all()
    assert db.get(Household, other.id).version == before["household"]
    assert db.get(Household, other.id).name == "The Other household"
    assert db.get(Carer, other_carer.id).version == before["carer"]
    assert db.exec(select(DbsCheck).where(DbsCheck.id == dbs.id)).first() is not None
    denied = db.exec(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    assert denied  # refused attempts are on the audit log


def test_carer_mass_assignment_changes_nothing_of_the_schemes(signed_in, vocab, db, users):
    hid = users["carer"].household_id
    before = db.get(Household, hid)
    snapshot = {
        k: getattr(before, k)
        for k in (
            "name",
            "postcode",
            "arrangement_types",
            "needs_can_meet",
            "bedrooms_spare",
            "reference",
            "faith",
            "step_free",
            "review_note",
        )
    }
    carer_row = db.exec(select(Carer).where(Carer.household_id == hid)).first()
    carer_snapshot = (carer_row.approval_status, carer_row.terms_max_people, carer_row.version)
    carer = signed_in("carer")
    scheme_only = {
        "name": "Hacked",
        "postcode": "ME1 3FE",
        "arrangement_types": ["emergency"],
        "needs_can_meet": ["dementia"],
        "bedrooms_spare": "9",
        "reference": "HACK",
        "faith": "jewish",
        "step_free": "y",
        "approval_status": "approved",
        "terms_max_people": "3",
        "terms_conditions": "none",
        "risks": "x",
        "needs_review": "",
        "review_note": "x",
        "version": "1",
        "id": "999",
        "household_id": "999",
        "easting": "1",
        "panel_date": "2020-01-01",
    }
    r = post_form(carer, "/my-household/edit", {**own_form(), **scheme_only})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    db.expire_all()
    after = db.get(Household, hid)
    assert {k: getattr(after, k) for k in snapshot} == snapshot
    assert after.lifestyle == "busy" and after.routines == "Early risers"  # the carer's own fields did save
    c = db.exec(select(Carer).where(Carer.household_id == hid)).first()
    assert (c.approval_status, c.terms_max_people, c.version) == carer_snapshot
    assert after.needs_review is False  # nothing eligibility-related changed


def test_carer_eligibility_changes_are_flagged_for_review(signed_in, vocab, db, users):
    hid = users["carer"].household_id
    carer = signed_in("carer")
    r = post_form(
        carer,
        "/my-household/edit",
        own_form(pet_1_kind="dog", pet_1_number="2", member_1_name="New Lodger", member_1_age="34"),
    )
    assert r.status_code == 302
    page = carer.get("/my-household").get_data(as_text=True)
    assert "Your coordinator will review" in page
    db.expire_all()
    h = db.get(Household, hid)
    assert h.needs_review and "pets changed from none to 2 dog" in h.review_note
    assert "a new adult in the household, New Lodger, needs a DBS check" in h.review_note
    assert h.pets == [{"kind": "dog", "number": 2}]
    coordinator = signed_in("coordinator")
    banner = coordinator.get(f"/households/{hid}").get_data(as_text=True)
    assert "To review" in banner and "pets changed from none to 2 dog" in banner and "New Lodger" in banner


def test_carer_child_member_is_not_flagged(signed_in, vocab, db, users):
    carer = signed_in("carer")
    r = post_form(carer, "/my-household/edit", own_form(member_1_name="Little One", member_1_age="7"))
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Household, users["carer"].household_id).needs_review is False


def test_carer_own_edit_conflict(signed_in, vocab, db, users):
    carer, coordinator = signed_in("carer"), signed_in("coordinator")
    hid = users["carer"].household_id
    page = carer.get("/my-household/edit")
    assert post_form(coordinator, f"/households/{hid}/edit", household_form()).status_code == 302
    r = carer.post("/my-household/edit", data={"csrf_token": csrf_from(page), **own_form(routines="Mine, lost?")})
    assert r.status_code == 409
    assert "Someone else changed this record" in r.get_data(as_text=True)
    assert "Mine, lost?" in r.get_data(as_text=True)


def test_auditor_reads_but_cannot_write(signed_in, vocab, other_household):
    h, carer = other_household
    auditor = signed_in("auditor")
    assert auditor.get("/households").status_code == 200
    assert auditor.get(f"/households/{h.id}").status_code == 200
    token = csrf_from(auditor.get("/households/compliance"))
    for url in (
        "/households/new",
        f"/households/{h.id}/edit",
        f"/households/{h.id}/carers/new",
        f"/households/{h.id}/carers/{carer.id}/edit",
        f"/households/{h.id}/dbs/new",
        "/people/new",
    ):
        assert auditor.post(url, data={"csrf_token": token, **household_form()}).status_code == 403, url


def test_admin_has_no_record_access(signed_in, other_household):
    h, _ = other_household
    admin = signed_in("admin")
    assert admin.get("/households").status_code == 403
    assert admin.get(f"/households/{h.id}").status_code == 403
    assert admin.get("/people").status_code == 403


def test_pet_rows_keep_the_order_the_carer_gave(signed_in, vocab, db, users):
    hid = users["carer"].household_id
    carer = signed_in("carer")
    form = own_form(pet_1_kind="dog", pet_1_number="1", pet_2_kind="cat", pet_2_number="2")
    assert post_form(carer, "/my-household/edit", form).status_code == 302
    db.expire_all()
    assert db.get(Household, hid).pets == [{"kind": "dog", "number": 1}, {"kind": "cat", "number": 2}]
    page = carer.get("/my-household/edit").get_data(as_text=True)
    assert 'To remove one, choose "No pet"' in page or "To remove one, choose &#34;No pet&#34;" in page
