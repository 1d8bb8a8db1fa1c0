"""The journey through the web pages, as a coordinator, a carer and a manager would do it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.households.models import Household
from shared_lives.matches import services
from shared_lives.matches.models import EngineRun, Introduction, Proposal
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today
from tests.conftest import post_form
from tests.shared_lives.matches.helpers import call, person_agrees


def fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def date_fields(name, d):
    return {name: [str(d.day), str(d.month), str(d.year)]}


def propose_via_pages(signed_in, db, w, household_id=None):
    coord = signed_in("coordinator")
    hid = household_id or w.household.id
    page = coord.get(f"/people/{w.person.id}/suggestions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "The Rivers household" in text and "Households not possible now" in text
    run = db.exec(select(EngineRun).order_by(EngineRun.id.desc())).first()
    url = f"/proposals/new?person_id={w.person.id}&household_id={hid}&run={run.id}"
    response = post_form(
        coord,
        url,
        {
            "person_id": w.person.id,
            "household_id": hid,
            "engine_run_id": run.id,
            "arrangement_type": "live_in",
            "rationale": "Sam loves gardening; Ann's garden is her pride.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.exec(select(Proposal).order_by(Proposal.id.desc())).first()


def test_whole_journey_through_the_pages(signed_in, db, people_places):
    w = people_places
    proposal = propose_via_pages(signed_in, db, w)
    assert proposal.engine_run_id is not None and proposal.status == "proposed"
    coord = signed_in("coordinator")
    answer = {
        "decision": "agree",
        "given_by": "advocate",
        "given_by_name": "Lee Advocate",
        "how_checked": "Easy-read page with Sam and Lee",
        "person_views": "Sam wants to live somewhere with a garden",
        "version": proposal.version,
    }
    r = post_form(coord, f"/proposals/{proposal.id}/respond/person", answer)
    refused = r.get_data(as_text=True)
    assert r.status_code == 200 and "only Sam&#39;s own answer counts" in refused  # beside the field
    assert 'id="given_by-error"' in refused
    r = post_form(
        coord,
        f"/proposals/{proposal.id}/respond/person",
        {
            **answer,
            "given_by": "person",
            "given_by_name": "Sam Quenby",
            "supports": ["easy_read_used", "advocate_present"],
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True).split("main-content")[-1][:3000]
    r = post_form(
        coord,
        f"/proposals/{proposal.id}/introductions/new",
        {
            "kind": "tea_visit",
            "status": "completed",
            **date_fields("planned_for", today()),
            "person_feedback": "Liked the dog",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True).split("main-content")[-1][:3000]
    r = post_form(
        coord,
        f"/proposals/{proposal.id}/respond/household",
        {
            "decision": "agree",
            "given_by_name": "Ann Rivers",
            "household_views": "Son is happy",
            "version": fresh(db, Proposal, proposal.id).version,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True).split("main-content")[-1][:3000]
    assert fresh(db, Proposal, proposal.id).status == "agreed"
    # The coordinator cannot approve.
    assert coord.get(f"/proposals/{proposal.id}/approve").status_code == 403
    manager = signed_in("manager")
    page = manager.get(f"/proposals/{proposal.id}/approve")
    assert page.status_code == 200
    r = post_form(
        manager,
        f"/proposals/{proposal.id}/approve",
        {**date_fields("start_date", today()), "version": fresh(db, Proposal, proposal.id).version},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    arrangement = db.exec(select(Arrangement)).one()
    assert manager.get(r.headers["Location"]).status_code == 200
    assert count(db, Review, Review.arrangement_id == arrangement.id) == 2
    easy = coord.get(f"/proposals/{proposal.id}/easy-read")
    assert easy.status_code == 200 and "app-easy-read" in easy.get_data(as_text=True)
    # Review and ending.
    first = db.exec(select(Review).where(Review.kind == "first")).one()
    r = post_form(coord, f"/reviews/{first.id}", {**date_fields("completed_on", today()), "notes": "Settling in well"})
    assert r.status_code == 302, r.get_data(as_text=True).split("main-content")[-1][:3000]
    assert count(db, Review, Review.arrangement_id == arrangement.id) == 3
    r = post_form(
        coord,
        f"/arrangements/{arrangement.id}/end",
        {
            **date_fields("end_date", today()),
            "reason": "planned_move",
            "wants_new_match": "yes",
            "decided_by": "person",
            "planned": "yes",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True).split("main-content")[-1][:3000]
    ended = fresh(db, Arrangement, arrangement.id)
    assert ended.status == "ended" and "Planned move" in ended.end_reason and ended.ended_by_id


def test_approval_refused_with_the_reason_when_the_household_became_ineligible(signed_in, db, people_places):
    w = people_places
    proposal = propose_via_pages(signed_in, db, w)
    row = fresh(db, Proposal, proposal.id)
    row.person_response = row.carer_response = "agree"
    row.status = "agreed"
    db.add(row)
    from shared_lives.carers.models import DbsCheck

    household = fresh(db, Household, w.household.id)
    household.members = [{"name": "Lodger Lane", "age": 33, "relationship": "Lodger"}]
    db.add(household)
    db.add(
        DbsCheck(
            household_id=w.household.id,
            adult_name="Lodger Lane",
            issued_on=today() - timedelta(days=2000),
            renew_by=today() - timedelta(days=1),
        )
    )
    db.commit()
    manager = signed_in("manager")
    r = post_form(manager, f"/proposals/{proposal.id}/approve", date_fields("start_date", today()))
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "cannot be approved now" in text and "DBS" in text
    assert count(db, Arrangement) == 0


def test_an_error_midway_through_an_approval_request_leaves_nothing(app, signed_in, db, people_places, monkeypatch):
    w = people_places
    proposal = propose_via_pages(signed_in, db, w)
    person_agrees(app, w.coordinator, proposal.id)
    call(app, services.record_response, w.coordinator, proposal.id, "household", "agree", "carer", "Ann Rivers")
    manager = signed_in("manager")
    form_page = manager.get(f"/proposals/{proposal.id}/approve")
    audits = count(db, AuditEntry)

    def boom(*a, **k):
        raise RuntimeError("midway")

    monkeypatch.setattr("shared_lives.placements.services.schedule_first_reviews", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    from tests.conftest import csrf_from

    r = manager.post(
        f"/proposals/{proposal.id}/approve",
        data={"csrf_token": csrf_from(form_page), **date_fields("start_date", today())},
    )
    assert r.status_code == 500
    assert fresh(db, Proposal, proposal.id).status == "agreed"
    assert count(db, Arrangement) == 0 and count(db, Review) == 0
    assert count(db, AuditEntry) == audits


def test_carer_sees_and_answers_only_their_own_households_proposals(app, signed_in, db, people_places):
    w = people_places
    mine = propose_via_pages(signed_in, db, w, household_id=w.carer_household_id)
    theirs = propose_via_pages(signed_in, db, w)
    carer = signed_in("carer")
    listing = carer.get("/proposals").get_data(as_text=True)
    assert f"/proposals/{mine.id}" in listing and f"/proposals/{theirs.id}" not in listing
    page = carer.get(f"/proposals/{mine.id}")
    assert page.status_code == 200 and "Quenby" not in page.get_data(as_text=True)
    assert carer.get(f"/proposals/{theirs.id}").status_code == 404
    home = carer.get("/").get_data(as_text=True)
    assert "Waiting for your answer (1)" in home and f"/proposals/{mine.id}" in home
    assert f"/proposals/{theirs.id}" not in home
    person_agrees(app, w.coordinator, mine.id)
    detail = carer.get(f"/proposals/{mine.id}").get_data(as_text=True)
    assert "What Sam has told us" in detail and "Looking forward to meeting them" in detail  # the person's views
    form = carer.get(f"/proposals/{mine.id}/respond/household").get_data(as_text=True)
    assert "Your answer" in form and "Who else in your home has a view?" in form
    assert "The household’s answer" not in form and "Views of other household members" not in form
    r = post_form(carer, f"/proposals/{mine.id}/respond/household", {"decision": "agree", "given_by_name": "Me"})
    assert r.status_code == 302
    assert "Waiting for your answer (0)" in carer.get("/").get_data(as_text=True)
    assert carer.get(f"/proposals/{mine.id}/respond/person").status_code == 403
    assert carer.get(f"/people/{w.person.id}/suggestions").status_code == 403


def test_household_and_scheme_views_change_no_record(signed_in, db, people_places):
    w = people_places
    coord = signed_in("coordinator")
    r = coord.get(f"/households/{w.household.id}/suggestions")
    assert r.status_code == 200 and "Sam" in r.get_data(as_text=True)
    r = coord.get("/suggestions/scheme")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Optimal" in text and "Stable" in text and "Blocking pairs" in text
    assert count(db, Proposal) == 0 and count(db, Arrangement) == 0
    assert count(db, EngineRun) == 2
    assert fresh(db, Household, w.household.id).version == 1


def test_withdraw_keeps_history(signed_in, db, people_places):
    w = people_places
    proposal = propose_via_pages(signed_in, db, w)
    r = post_form(
        signed_in("coordinator"), f"/proposals/{proposal.id}/withdraw", {"reason": "other_match", "note": "x"}
    )
    assert r.status_code == 302
    assert fresh(db, Proposal, proposal.id).status == "withdrawn"
    assert count(db, Introduction) == 0


def test_easy_read_page_in_plain_words(signed_in, db, people_places):
    w = people_places
    household = fresh(db, Household, w.household.id)
    household.pets = [{"kind": "dog", "number": 2}]
    household.members = [{"name": "Tom", "age": 15, "relationship": "son"}]
    db.add(household)
    db.commit()
    proposal = propose_via_pages(signed_in, db, w)
    text = signed_in("coordinator").get(f"/proposals/{proposal.id}/easy-read").get_data(as_text=True)
    for words in (
        "Sam, this is a home you might like",
        "2 dogs",
        "Tom (son), 15 years old",
        "Ann Rivers",
        "Gardening – you like this too",
        "miles",
        "app-photo-placeholder",
        "You can say no at any time",
    ):
        assert words in text, words


def test_a_refused_approval_is_audited(signed_in, db, people_places):
    w = people_places
    proposal = propose_via_pages(signed_in, db, w)
    r = post_form(signed_in("manager"), f"/proposals/{proposal.id}/approve", date_fields("start_date", today()))
    assert r.status_code == 200 and "agreement has not been recorded" in r.get_data(as_text=True)
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "proposal.approve")).one()
    assert entry.outcome == "failed" and entry.record_id == proposal.id
    # reason codes only: the page's sentence may name the person
    assert entry.changes == {"reason": ["not_ready"]}
