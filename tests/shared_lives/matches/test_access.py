"""Who may use each journey route (this area's slice of the role x route sweep)."""

from __future__ import annotations

import pytest

from shared_lives.matches import services
from tests.conftest import csrf_from
from tests.shared_lives.matches.helpers import call

STAFF_ONLY_GET = [
    "/people/{person}/suggestions",
    "/households/{household}/suggestions",
    "/suggestions/scheme",
    "/proposals/{proposal}/introductions/new",
    "/proposals/{proposal}/withdraw",
    "/proposals/{proposal}/respond/person",
    "/proposals/{proposal}/capacity",
    "/proposals/{proposal}/liberty",
    "/arrangements",
]
POSTS = [
    "/proposals/new?person_id={person}&household_id={household}",
    "/proposals/{proposal}/respond/person",
    "/proposals/{proposal}/respond/household",
    "/proposals/{proposal}/introductions/new",
    "/proposals/{proposal}/approve",
    "/proposals/{proposal}/withdraw",
    "/proposals/{proposal}/capacity",
    "/proposals/{proposal}/liberty",
    "/introductions/1",
    "/arrangements/1/end",
    "/arrangements/1/reviews/new",
    "/reviews/1",
]


@pytest.fixture
def ids(app, people_places):
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    return {"person": w.person.id, "household": w.household.id, "proposal": p.id}


def test_carers_and_auditors_cannot_use_staff_pages(signed_in, ids):
    for url in STAFF_ONLY_GET:
        for role in ("carer", "admin"):
            assert signed_in(role).get(url.format(**ids)).status_code in (403, 404), (role, url)
    assert signed_in("auditor").get("/suggestions/scheme").status_code == 403
    assert signed_in("auditor").get(f"/proposals/{ids['proposal']}").status_code == 200
    # A carer cannot see another household's proposal at all.
    assert signed_in("carer").get(f"/proposals/{ids['proposal']}").status_code == 404


def test_auditors_get_403_on_every_journey_write(signed_in, ids):
    auditor = signed_in("auditor")
    token = csrf_from(auditor.get("/"))
    for url in POSTS:
        assert auditor.post(url.format(**ids), data={"csrf_token": token}).status_code == 403, url


def test_coordinators_cannot_approve_and_managers_can_do_what_coordinators_do(signed_in, ids):
    coord, manager = signed_in("coordinator"), signed_in("manager")
    token = csrf_from(coord.get("/"))
    assert coord.post(f"/proposals/{ids['proposal']}/approve", data={"csrf_token": token}).status_code == 403
    token = csrf_from(manager.get("/"))
    url = "/proposals/new?person_id={person}&household_id={household}".format(**ids)
    assert manager.post(url, data={"csrf_token": token}).status_code == 200  # the form, with its errors
    for page in ("respond/person", "respond/household", "introductions/new", "capacity", "withdraw"):
        assert manager.get(f"/proposals/{ids['proposal']}/{page}").status_code == 200, page
