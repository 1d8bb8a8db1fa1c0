"""Households: create, edit, validation, version conflicts, lists, DBS, training, compliance, audit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.db import get_engine
from shared_lives.errors import StaleRecord
from shared_lives.households import services
from shared_lives.households.models import Household
from shared_lives.placements.models import Arrangement
from shared_lives.timeutil import today
from tests import factories
from tests.conftest import csrf_from, post_form
from tests.shared_lives.households.conftest import household_form


def _audits(db, action):
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_coordinator_creates_a_household_with_located_postcode(signed_in, vocab, db):
    c = signed_in("coordinator")
    r = post_form(c, "/households/new", household_form(postcode="me141xq"))
    assert r.status_code == 302, r.get_data(as_text=True)
    h = db.exec(select(Household).where(Household.name == "The Test household")).one()
    assert h.postcode == "ME14 1XQ" and h.easting and h.northing and h.local_authority
    assert h.members == [{"name": "Ann Carer", "age": 50, "relationship": "Main carer"}]
    assert h.pets == [{"kind": "cat", "number": 1}]
    assert h.reference.startswith("HH")
    entry = _audits(db, "household.create")[-1]
    assert entry.record_id == h.id and "name" in entry.changes and "postcode" in entry.changes


def test_unknown_postcode_is_an_error_beside_the_field(signed_in, vocab):
    c = signed_in("coordinator")
    r = post_form(c, "/households/new", household_form(postcode="ZZ99 9ZZ"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "govuk-error-summary" in page and 'id="postcode-error"' in page
    assert "We cannot find this postcode" in page or "Enter a real postcode" in page


def test_member_rows_need_name_and_age(signed_in, vocab):
    c = signed_in("coordinator")
    r = post_form(c, "/households/new", household_form(member_2_relationship="Son"))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Enter member 2" in page and 'id="member_2_name-error"' in page


def test_edit_writes_changes_and_bumps_version(signed_in, vocab, db, other_household):
    h, _ = other_household
    c = signed_in("coordinator")
    r = post_form(c, f"/households/{h.id}/edit", household_form(name="Renamed household", smoking="y"))
    assert r.status_code == 302
    db.expire_all()
    fresh = db.get(Household, h.id)
    assert fresh.name == "Renamed household" and fresh.smoking and fresh.version == 2
    changes = _audits(db, "household.update")[-1].changes
    assert "name" in changes and changes["smoking"] == [False, True]


def test_views_are_audited(signed_in, vocab, db, other_household):
    h, _ = other_household
    c = signed_in("auditor")
    assert c.get(f"/households/{h.id}").status_code == 200
    assert [e.record_id for e in _audits(db, "household.view")] == [h.id]
    assert c.get(f"/households/{h.id}/edit").status_code == 403


def test_concurrent_edit_second_save_is_refused_and_input_kept(signed_in, vocab, db, other_household):
    h, _ = other_household
    first, second = signed_in("coordinator"), signed_in("manager")
    url = f"/households/{h.id}/edit"
    page1, page2 = first.get(url), second.get(url)
    assert 'name="version" type="hidden" value="1"' in page1.get_data(as_text=True)
    r1 = first.post(url, data={"csrf_token": csrf_from(page1), **household_form(name="First wins")})
    r2 = second.post(url, data={"csrf_token": csrf_from(page2), **household_form(name="Second typed this")})
    assert r1.status_code == 302
    assert r2.status_code == 409
    text = r2.get_data(as_text=True)
    assert "Someone else changed this record while you were editing" in text
    assert 'value="Second typed this"' in text  # their input is kept
    assert 'name="version" type="hidden" value="2"' in text  # and they can now save deliberately
    db.expire_all()
    assert db.get(Household, h.id).name == "First wins"
    assert [e.outcome for e in _audits(db, "household.update")] == ["success", "conflict"]


def test_versioned_update_is_atomic_across_threads(app, vocab, db, other_household):
    """Many sessions save from version 1 at once: exactly one wins."""
    h, _ = other_household
    engine = get_engine(app)
    results = []
    barrier = threading.Barrier(5, timeout=30)

    def save(i):
        with app.app_context(), Session(engine) as s:
            barrier.wait()  # (SQLite takes the write lock at the first read: wait before it)
            obj = s.get(Household, h.id)
            try:
                services.versioned_update(s, obj, 1, {"name": f"Thread {i}"})
                s.commit()
                results.append("ok")
            except StaleRecord:
                s.rollback()
                results.append("stale")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["ok"] + ["stale"] * 4
    db.expire_all()
    assert db.get(Household, h.id).version == 2


def test_terms_max_people_never_above_scheme_limit(signed_in, vocab, db, other_household, app):
    h, carer = other_household
    c = signed_in("coordinator")
    url = f"/households/{h.id}/carers/{carer.id}/edit"
    data = {
        "version": "1",
        "name": carer.name,
        "role": "main",
        "approval_status": "approved",
        "panel_date": ["1", "2", "2025"],
        "approval_expires": ["1", "2", "2027"],
        "terms_arrangement_types": ["live_in"],
        "terms_max_people": "4",
        "skills": ["autism"],
    }
    r = post_form(c, url, data)
    assert r.status_code == 200 and 'id="terms_max_people-error"' in r.get_data(as_text=True)
    app.config["SCHEME_MAX_PEOPLE"] = 2
    try:
        r = post_form(c, url, {**data, "terms_max_people": "3"})
        assert "is 2 in this scheme" in r.get_data(as_text=True)
        r = post_form(c, url, {**data, "terms_max_people": "2"})
        assert r.status_code == 302
    finally:
        app.config["SCHEME_MAX_PEOPLE"] = 3
    db.expire_all()
    assert db.get(Carer, carer.id).terms_max_people == 2


def test_add_carer_dbs_and_training_then_remove_with_confirmation(signed_in, vocab, db, other_household):
    h, _ = other_household
    c = signed_in("coordinator")
    r = post_form(
        c,
        f"/households/{h.id}/carers/new",
        {"name": "Bob Support", "role": "support", "approval_status": "assessment", "terms_max_people": "1"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    carer = db.exec(select(Carer).where(Carer.name == "Bob Support")).one()
    d = today()
    r = post_form(
        c,
        f"/households/{h.id}/dbs/new",
        {
            "adult_name": "Bob Support",
            "certificate_number": "001234567890",
            "issued_on": [str(d.day), str(d.month), str(d.year)],
            "renew_by": [str(d.day), str(d.month), str(d.year + 3)],
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    dbs = db.exec(select(DbsCheck).where(DbsCheck.adult_name == "Bob Support")).one()
    r = post_form(
        c,
        f"/households/{h.id}/carers/{carer.id}/training/new",
        {"course": "First aid", "completed_on": [str(d.day), str(d.month), str(d.year)], "renew_by": ["", "", ""]},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    training = db.exec(select(TrainingRecord).where(TrainingRecord.carer_id == carer.id)).one()
    # Removal needs the confirmation box.
    url = f"/households/{h.id}/dbs/{dbs.id}/remove"
    assert "Remove the DBS check for Bob Support" in c.get(url).get_data(as_text=True)
    r = post_form(c, url, {})
    assert r.status_code == 200 and "Confirm that you want to remove it" in r.get_data(as_text=True)
    assert post_form(c, url, {"confirm": "y"}).status_code == 302
    url = f"/households/{h.id}/carers/{carer.id}/training/{training.id}/remove"
    assert post_form(c, url, {"confirm": "y"}).status_code == 302
    assert db.exec(select(DbsCheck.id).where(DbsCheck.adult_name == "Bob Support")).first() is None
    assert db.exec(select(TrainingRecord.id).where(TrainingRecord.carer_id == carer.id)).first() is None
    assert _audits(db, "dbs.delete") and _audits(db, "training.delete")


def test_dbs_renewal_must_follow_issue(signed_in, vocab, other_household):
    h, _ = other_household
    c = signed_in("coordinator")
    r = post_form(
        c,
        f"/households/{h.id}/dbs/new",
        {"adult_name": "X", "issued_on": ["1", "1", "2025"], "renew_by": ["1", "1", "2024"]},
    )
    assert r.status_code == 200 and 'id="renew_by-error"' in r.get_data(as_text=True)


def test_compliance_lists_expiring_and_marks_ineligible(signed_in, vocab, db, app, users):
    with app.app_context():
        expired = factories.make_household(db, name="Expired approval household")
        factories.make_carer(db, expired, approval_expires=today() - timedelta(days=3))
        soon = factories.make_household(db, name="DBS soon household")
        soon.members = [{"name": "Lodger Lane", "age": 40, "relationship": "Lodger"}]
        factories.make_carer(db, soon)
        db.add(
            DbsCheck(
                household_id=soon.id,
                adult_name="Lodger Lane",
                issued_on=today() - timedelta(days=1000),
                renew_by=today() + timedelta(days=20),
            )
        )
        lapsed = factories.make_household(db, name="Training lapsed household")
        factories.make_carer(db, lapsed, name="Tessa Lapsed", training_renew_by=today() - timedelta(days=1))
        unchecked = factories.make_household(db, name="Unchecked adult household")
        unchecked.members = [{"name": "Grown Son", "age": 19, "relationship": "Son"}]
        factories.make_carer(db, unchecked)
        renewed = factories.make_household(db, name="Renewed household")
        renewed.members = [{"name": "Old Check", "age": 30, "relationship": "Partner"}]
        factories.make_carer(db, renewed)
        for issued, renew in ((2000, -900), (10, 900)):
            db.add(
                DbsCheck(
                    household_id=renewed.id,
                    adult_name="Old Check",
                    issued_on=today() - timedelta(days=issued),
                    renew_by=today() + timedelta(days=renew),
                )
            )
        db.commit()
    r = signed_in("coordinator").get("/households/compliance")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    ineligible = page.split("Households that cannot be matched now")[1].split("</ul>")[0]
    assert "Expired approval household" in ineligible and "approval has expired" in ineligible
    assert "Training lapsed household" in ineligible and "mandatory training" in ineligible
    assert "Unchecked adult household" in ineligible and "DBS check has expired or is not recorded" in ineligible
    assert "DBS soon household" not in ineligible and "Renewed household" not in ineligible
    assert "Lodger Lane" in page and "Training: First aid" in page and "Grown Son" in page
    assert "Not recorded" in page
    assert "Old Check" not in page  # renewed: only the latest check counts
    assert signed_in("auditor").get("/households/compliance").status_code == 200
    assert signed_in("carer").get("/households/compliance").status_code == 403


def test_list_search_filters_and_pagination(signed_in, vocab, db, app, users):
    with app.app_context():
        for i in range(30):
            h = factories.make_household(db, name=f"Alpha {i:02d} household", postcode="ME1 3FE")
            h.arrangement_types = ["day_support"] if i % 2 else ["live_in"]
            factories.make_carer(db, h, terms_max_people=1)
            if i < 3:
                person = factories.make_person(db)
                db.add(
                    Arrangement(person_id=person.id, household_id=h.id, arrangement_type="live_in", start_date=today())
                )
        db.commit()
    c = signed_in("coordinator")
    r = c.get("/households?q=alpha")
    page = r.get_data(as_text=True)
    assert "30 households" in page and "page 1 of 2" in page and "govuk-pagination" in page
    page2 = c.get("/households?q=alpha&page=2").get_data(as_text=True)
    assert "Alpha 29 household" in page2 and "Alpha 00 household" not in page2
    assert "15 households" in c.get("/households?q=alpha&arrangement_type=day_support").get_data(as_text=True)
    assert "27 households" in c.get("/households?q=alpha&availability=space").get_data(as_text=True)
    assert "3 households" in c.get("/households?q=alpha&availability=full").get_data(as_text=True)
    assert "30 households" in c.get("/households?area=ME1").get_data(as_text=True)
    assert "No households match" in c.get("/households?q=%25_%5C").get_data(as_text=True)
    assert c.get("/households?page=999999").status_code == 200
    assert c.get("/households?q=%00").status_code == 400  # refused: see tests/shared_lives/test_hostile_input.py


def test_to_review_filter_and_mark_reviewed(signed_in, vocab, db, other_household):
    h, _ = other_household
    h2 = db.get(Household, h.id)
    h2.needs_review, h2.review_note = True, "Carer changed: pets changed."
    db.add(h2)
    db.commit()
    c = signed_in("coordinator")
    page = c.get("/households?status=to_review").get_data(as_text=True)
    assert "1 household" in page and "The Other household" in page
    detail = c.get(f"/households/{h.id}")
    assert "pets changed" in detail.get_data(as_text=True)
    r = c.post(f"/households/{h.id}/reviewed", data={"csrf_token": csrf_from(detail)})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Household, h.id).needs_review is False


@pytest.mark.parametrize(
    "page, pages, shown",
    [
        (1, 250, ["1", "2", "…", "250"]),
        (100, 250, ["1", "…", "99", "100", "101", "…", "250"]),
        (249, 250, ["1", "…", "248", "249", "250"]),
        (2, 3, ["1", "2", "3"]),
        (1, 1, []),
    ],
)
def test_pagination_links_the_first_last_and_neighbouring_pages(app, page, pages, shown):
    import re

    from shared_lives.records import Page

    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "_macros.html" import pagination %}{{ pagination(result, "households.index", {}) }}'
        ).render(result=Page(items=[], total=pages * 20, page=page, per_page=20))
    items = re.findall(r'<li class="govuk-pagination__item[^"]*">(?:<a [^>]*>)?([^<]+)', html)
    assert [i.replace("&ctdot;", "…") for i in items] == shown
    assert f'aria-current="page">{page}<' in html or pages == 1
