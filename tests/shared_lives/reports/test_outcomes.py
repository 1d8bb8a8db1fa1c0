"""Scores and outcomes: what followed each proposal, by the score it had when proposed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import matching
from shared_lives.matches.adapter import build_instance, jsonable
from shared_lives.matches.models import EngineRun, Proposal, ProposalResponse
from shared_lives.placements.models import Arrangement
from shared_lives.reports import outcomes
from shared_lives.reports.services import months_before
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call


def test_outcomes_by_score_band_and_factor(app, db, users, signed_in):
    on = today()
    coordinator = users["coordinator"]
    with app.app_context():
        household = factories.make_household(db)
        factories.make_carer(db, household)
        # (score, status, side that declined, arrangement (start, end) or None)
        cases = [
            (0.85, "active", None, (months_before(on, 8), None)),
            (0.9, "active", None, (months_before(on, 13), months_before(on, 2))),
            (0.65, "declined", "household", None),
            (0.3, "withdrawn", None, None),
            (0.5, "proposed", None, None),
        ]
        expected_values = {}
        for score, status, side, stay in cases:
            person = factories.make_person(db, status="matched" if stay else "waiting")
            instance, snapshot = build_instance(db, [person], [household])
            run = EngineRun(
                kind="proposal", subject_id=person.id, weights_version="t", input_snapshot=jsonable(snapshot)
            )
            db.add(run)
            db.flush()
            proposal = Proposal(
                person_id=person.id,
                household_id=household.id,
                arrangement_type="live_in",
                status=status,
                rationale="Hand-made",
                score=score,
                engine_run_id=run.id,
                proposed_by_id=coordinator.id,
                proposed_at=datetime.now(UTC) - timedelta(days=400),
            )
            db.add(proposal)
            db.flush()
            if side:
                db.add(
                    ProposalResponse(
                        proposal_id=proposal.id,
                        side=side,
                        decision="decline",
                        given_by="carer",
                        given_by_name="A carer",
                        recorded_by_id=coordinator.id,
                    )
                )
            if stay:
                db.add(
                    Arrangement(
                        person_id=person.id,
                        household_id=household.id,
                        arrangement_type="live_in",
                        start_date=stay[0],
                        end_date=stay[1],
                        status="ended" if stay[1] else "active",
                        proposal_id=proposal.id,
                    )
                )
            factors = matching.explain(instance, 0, 0)["factors"]
            expected_values[status, score] = {
                f"{f['side'].capitalize()}: {f['label']}": f["value"] for f in factors if f.get("value") is not None
            }
        db.commit()
    data = call(app, outcomes.outcomes_report, as_user(users["manager"]))
    bands = {label: t for label, t in data["bands"]}
    top = bands["0.8 or more"]
    assert {k: v for k, v in top.counts.items() if v} == {"proposals": 2, "agreed": 2, "started": 2, "lasted_6": 2}
    assert (top.due_6, top.due_12) == (2, 1)  # the 12-month one ended after 11 months
    assert {k: v for k, v in bands["0.6 to under 0.8"].counts.items() if v} == {
        "proposals": 1,
        "declined_household": 1,
    }
    assert {k: v for k, v in bands["0.4 to under 0.6"].counts.items() if v} == {"proposals": 1, "open": 1}
    assert {k: v for k, v in bands["Under 0.4"].counts.items() if v} == {"proposals": 1, "withdrawn": 1}
    medians = {label: (n, m) for label, n, m in data["median_scores"]}
    assert medians["Both sides agreed"] == (2, 0.875)
    factors = {label: (na, a, nd, d) for label, na, a, nd, d in data["factors"]}
    # Later pairs see the first arrangement's resident, so not every factor is in every pair.
    agreed_runs = [expected_values["active", 0.85], expected_values["active", 0.9]]
    declined_runs = [expected_values["declined", 0.65]]
    assert any(n == 2 for _, (n, *_rest) in factors.items())
    assert set(factors) == set().union(*agreed_runs, *declined_runs)
    for label, (n_agreed, agreed, n_declined, declined) in factors.items():
        want_agreed = [v[label] for v in agreed_runs if label in v]
        want_declined = [v[label] for v in declined_runs if label in v]
        assert (n_agreed, n_declined) == (len(want_agreed), len(want_declined))
        if want_agreed:
            assert abs(agreed - sum(want_agreed) / len(want_agreed)) < 1e-9
        if want_declined:
            assert abs(declined - want_declined[0]) < 1e-9
    page = signed_in("manager").get("/reports/outcomes")
    assert page.status_code == 200 and "2 of 2" in page.get_data(as_text=True)
    assert signed_in("auditor").get("/reports/outcomes").status_code == 200
    assert signed_in("coordinator").get("/reports/outcomes").status_code == 403


def test_factors_read_from_a_suggestions_run_that_stores_households_by_hash(app, db, users):
    """A proposal made from a person's suggestions: that run keeps the households' inputs by
    hash (``matches.inputs``); the report reads them back from there."""
    from shared_lives.matches import services as matches

    with app.app_context():
        household = factories.make_household(db)
        factories.make_carer(db, household)
        person = factories.make_person(db, status="waiting")
        db.commit()
    coordinator = as_user(users["coordinator"])
    run = call(app, matches.suggestions_for_person, coordinator, person.id)["run"]
    assert "stored" in run.input_snapshot["households"]
    proposal = call(
        app, matches.create_proposal, coordinator, person.id, household.id, "Shared interests", engine_run_id=run.id
    )
    with app.app_context():
        db.get(Proposal, proposal.id).status = "declined"
        db.commit()
    data = call(app, outcomes.outcomes_report, as_user(users["manager"]))
    assert data["factors"] and all(n_declined == 1 for _, _, _, n_declined, _ in data["factors"])
