"""Suggestion pages: every reason is shown in the group of its verdict, with words
written for that group, and records that share a name are told apart."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlmodel import select

from shared_lives.demo import DEMO_ACCOUNTS, load_demo
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from tests import factories
from tests.conftest import sign_in
from tests.matching.wording import phrase_clashes, verdicts_of
from tests.shared_lives.matches.test_pages import fresh, propose_via_pages

HEADINGS = {"for": "For", "partly": "Partly", "against": "Against", "neutral": "Not compared"}
#: Filled in by the demo-scheme test; printed at the end of the run (see tests/conftest.py).
TALLY = {"pages": 0, "reasons": 0, "contradictions": 0}


class Groups(HTMLParser):
    """The verdict groups of a suggestions page: ``(verdict, heading, [words])`` per group, and card titles."""

    def __init__(self):
        super().__init__()
        self.groups, self.titles, self.summaries = [], [], []
        self._group = None
        self._into = None
        self._div_depth = 0
        self._after_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div":
            if self._group is not None:
                self._div_depth += 1
            elif "app-verdict" in (a.get("class") or ""):
                self._group = [a["data-verdict"], "", []]
                self._div_depth = 1
        elif self._group is not None and tag == "strong":
            self._into = "heading"
        elif self._group is not None and tag == "li":
            self._group[2].append("")
            self._into = "li"
        elif tag == "h3" and "govuk-summary-card__title" in (a.get("class") or ""):
            self.titles.append("")
            self._into = "title"
        elif tag == "p" and a.get("class") == "govuk-body" and self._after_title:
            # the first paragraph of a card is its summary
            self.summaries.append("")
            self._into = "summary"
            self._after_title = False

    def handle_endtag(self, tag):
        if tag == "h3" and self._into == "title":
            self._after_title = True
        if tag in ("strong", "li", "h3", "p"):
            self._into = None
        if tag == "div" and self._group is not None:
            self._div_depth -= 1
            if self._div_depth == 0:
                self.groups.append(tuple(self._group))
                self._group = None

    def handle_data(self, data):
        if self._into == "heading":
            self._group[1] += data
        elif self._into == "li":
            self._group[2][-1] += data
        elif self._into == "title":
            self.titles[-1] += data
        elif self._into == "summary":
            self.summaries[-1] += data


def parse(html: str) -> Groups:
    parser = Groups()
    parser.feed(html)
    return parser


def contradictions(groups, person: str = "") -> tuple[int, list]:
    """Reasons checked, and each reason whose words were not written for the group it is shown in."""
    checked, wrong = 0, []
    for verdict, heading, words in groups:
        if heading != HEADINGS[verdict]:
            wrong.append((verdict, heading))
        for w in words:
            checked += 1
            if verdicts_of(w) != {verdict} or phrase_clashes(w, verdict, person):
                wrong.append((heading, w))
    return checked, wrong


@pytest.fixture
def demo(app, db):
    with app.app_context():
        load_demo(db)
        db.commit()
    client = app.test_client()
    _role, email, _name, password = next(a for a in DEMO_ACCOUNTS if a[0] == "coordinator")
    assert sign_in(client, email, password).status_code == 302
    return client


def test_every_reason_on_the_demo_schemes_suggestion_pages_matches_its_group(db, demo):
    people = db.exec(select(Person).where(Person.status == "waiting").order_by(Person.id)).all()
    households = db.exec(select(Household).order_by(Household.id)).all()
    assert len(people) >= 40 and len(households) >= 60
    checked, wrong, seen = 0, [], set()
    pages = [(f"/people/{p.id}/suggestions", p.first_name) for p in people]
    pages += [(f"/households/{h.id}/suggestions", "") for h in households]
    for url, person in pages:
        response = demo.get(url)
        assert response.status_code == 200, url
        page = parse(response.get_data(as_text=True))
        n, bad = contradictions(page.groups, person)
        checked += n
        wrong += [(url, *b) for b in bad]
        seen |= {g[0] for g in page.groups}
        # a card whose total is low says what weighs most against it
        for title, text in zip(page.titles, page.summaries, strict=True):
            if text.startswith("This may not be a good match."):
                assert "The biggest thing against it: " in text, (url, title)
        if url.startswith("/people/") and not bad:
            # the check bites: the same words shown under the opposite group are all caught
            doubts = [w for v, _h, ws in page.groups if v in ("partly", "against") for w in ws]
            assert len(contradictions([("for", "For", doubts)], person)[1]) == len(doubts)
    TALLY.update(pages=len(pages), reasons=checked, contradictions=len(wrong))
    assert wrong == []
    assert checked > 500
    assert {"for", "partly", "against"} <= seen


def test_households_that_share_a_name_show_their_reference(app, db, signed_in):
    with app.app_context():
        a = factories.make_household(db, name="The Phillips household", interests=["gardening"])
        b = factories.make_household(db, name="The Phillips household", interests=["music"])
        other = factories.make_household(db, name="The Jones household")
        for h in (a, b, other):
            factories.make_carer(db, h)
        donald1 = factories.make_person(db, first_name="Donald", last_name="Ames", interests=["gardening"])
        donald2 = factories.make_person(db, first_name="Donald", last_name="Birch", interests=["music"])
        db.commit()
    coord = signed_in("coordinator")
    text = coord.get(f"/people/{donald1.id}/suggestions").get_data(as_text=True)
    assert f"The Phillips household ({a.reference})" in text and f"The Phillips household ({b.reference})" in text
    assert "The Jones household (" not in text and "The Jones household" in text
    text = coord.get(f"/households/{a.id}/suggestions").get_data(as_text=True)
    assert f"Donald ({donald1.reference})" in text and f"Donald ({donald2.reference})" in text
    text = coord.get("/suggestions/scheme").get_data(as_text=True)
    # full names differ, so the scheme-wide page needs no references for the people
    assert "Donald Ames" in text and f"Donald Ames ({donald1.reference})" not in text
    assert text.count("The Phillips household") >= 2
    assert text.count("The Phillips household") == text.count("The Phillips household (")


def test_the_easy_read_page_of_a_poor_match_says_why(signed_in, db, people_places):
    w = people_places
    person, household = fresh(db, Person, w.person.id), fresh(db, Household, w.household.id)
    person.interests, person.lifestyle, person.setting = ["music"], "quiet", "rural"
    household.interests, household.lifestyle, household.setting = ["gardening"], "busy", "urban"
    db.add_all([person, household])
    db.commit()
    proposal = propose_via_pages(signed_in, db, w)
    text = signed_in("coordinator").get(f"/proposals/{proposal.id}/easy-read").get_data(as_text=True)
    assert "This may not be a good match. The biggest thing against it: " in text
    assert "Sam and The Rivers household have no interests in common on record." in text
