"""Generated hostile input on every route of the URL map (reliability.md item 27): 0 responses >= 500.

The sweep is a systematic table, not a sample, so every run sends the same requests:

- every GET route, as anonymous and every role, with real ids; the pages it gets back are
  read for their forms and links;
- every GET route again with each hostile value in every query parameter the app reads
  (``page``, ``version``, ``next``, and each name met in a form or link on the pages);
- every form met on those pages, posted as the role that saw it: untouched, then each field in
  turn set to each hostile value, left out, or sent twice; every POST route no page offered
  is posted with a token only;
- every id in a route replaced by hostile ids (past the column's range, signs, non-ASCII
  digits, NUL, CR/LF), and every route sent a method it does not take.

The figures are printed, and kept in ``TALLY`` for the end of the test run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.routing import AnyConverter
from werkzeug.routing.converters import NumberConverter

from shared_lives.audit.search import encode_cursor
from shared_lives.records import MAX_ID, RecordIdConverter
from shared_lives.security import CONTROL_CHARACTER_REASON
from tests import factories
from tests.conftest import csrf_from, sign_in
from tests.shared_lives.test_access_sweep import build, ids  # noqa: F401  (the fixture is reused)

ROLES = ("anonymous", "admin", "manager", "coordinator", "carer", "auditor")
MISSING = object()
TWICE = object()

#: What a field or a query parameter is set to, one request each.
VALUES = [
    "",
    "\x00",
    "a\r\nb",
    "x" * 5000,
    "٣",
    "²",
    "99999999999999999999",
    "-1",
    "0",
    "<script>alert(1)</script>",
    "Zoë 漢字 🙂",
    MISSING,
    TWICE,
]
#: Query values; NUL and CR/LF are refused before any view, so one request tries them all at once.
QUERY_VALUES = ["²", "99999999999999999999", "-1", "٣", "x" * 2000, "'; DROP TABLE person; --", "\x00\r\n"]
#: Path ids that are not a record's id (percent-encoded where a URL needs it).
HOSTILE_IDS = [
    "0",
    str(MAX_ID + 1),
    "9223372036854775808",
    "-1",
    "%D9%A3",  # ٣
    "%C2%B2",  # ²
    "%00",
    "1%0D%0A",
]
#: Path parts that are text (a token), percent-encoded.
HOSTILE_TEXT = ["x" * 300, "%E2%80%AE%F0%9F%99%82", "a%20b", "..%2F..%2Fetc"]
#: Query parameters every page may be sent, whether or not a form on it names them.
ALWAYS_PARAMS = {"page", "version", "next"}
#: Cursors a browser could send back to the audit log, crafted.
CURSORS = [encode_cursor(None, 10**30), encode_cursor("\x00", 1), encode_cursor("x", -5), "!!!", "e30"]
WRONG_METHODS = ("PUT", "DELETE", "PATCH")

TALLY = {"requests": 0, "server_errors": 0}


class Forms(HTMLParser):
    """The forms on a page (method, action, fields as a browser would send them) and its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form.setdefault("unchecked", []).append((a["name"], a.get("value", "on")))
                return
            self._form["fields"].append([a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "button":
            self._form["fields"].append([a["name"], a.get("value", "")])
        elif tag == "select":
            self._select = [a["name"], None]
            self._form["fields"].append(self._select)
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
            self._form["fields"].append(self._textarea)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            if self._select and self._select[1] is None:
                self._select[1] = ""
            self._select = None


def parse(html: str) -> Forms:
    page = Forms()
    page.feed(html)
    return page


class Sweep:
    """Sends requests, counts them, and keeps every answer >= 500 with what caused it."""

    def __init__(self):
        self.requests = 0
        self.failures: list[tuple] = []

    def send(self, client, method: str, url: str, role: str, data=None, note=""):
        self.requests += 1
        try:
            response = client.open(url, method=method, data=data)
        except Exception as exc:  # the app raised instead of answering: a 500 in production
            self.failures.append((role, method, url, note, repr(exc)[:300]))
            return None
        if response.status_code >= 500:
            self.failures.append((role, method, url, note, response.status_code))
        return response


def local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(("/static", "/assets")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def variants(fields: list, per_field: int):
    """(note, body): the form as shown, then each field set to ``per_field`` hostile values.

    The values rotate from one field to the next, so every value reaches every form and
    every field gets several, without sending every value to every field.
    """
    base = [(name, value) for name, value in fields if value is not None]
    yield "as shown", base
    names = [n for n in dict.fromkeys(n for n, _ in base) if n != "csrf_token"]
    for k, name in enumerate(names):
        for j in range(per_field):
            value = VALUES[(k * per_field + j) % len(VALUES)]
            kept = [(n, v) for n, v in base if n != name]
            if value is MISSING:
                body = kept
            elif value is TWICE:
                body = [*base, (name, "1")]
            else:
                body = [*kept, (name, value)]
            yield f"{name}={value!r:.20}", body


def as_multidict(body: list) -> dict:
    out: dict = {}
    for name, value in body:
        out.setdefault(name, []).append(value)
    return out


@pytest.fixture
def clients(app, db, users, ids):  # noqa: F811  (ids: the access sweep's fixture)
    """A client per role; the admin pages act on a spare account, never one signed in here."""
    with app.app_context():
        spare = factories.make_user(db, "coordinator", None, email="spare@test.example")
        db.commit()
    ids["user_id"] = spare.id
    out = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        c = app.test_client()
        assert sign_in(c, users[role].email).status_code == 302
        out[role] = c
    return out


def test_every_id_in_a_route_is_a_bounded_record_id(app):
    """One converter for every id: werkzeug's ``int`` takes any length and "٣"."""
    loose = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            is_id = name.endswith("_id") or isinstance(converter, NumberConverter)
            if is_id and not isinstance(converter, RecordIdConverter):
                loose.append((rule.rule, name, type(converter).__name__))
    assert loose == []


def test_generated_input_on_every_route_gives_no_server_error(app, clients, ids):  # noqa: F811
    sweep = Sweep()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "assets_file")]
    params = set(ALWAYS_PARAMS)
    pages: dict[str, list] = {role: [] for role in ROLES}  # (page url, parsed page) each role reached

    # 1. Every GET route with real ids, and a couple of the links with query strings the pages offer.
    for role in ROLES:
        client = clients[role]
        seen_links: dict[str, int] = {}
        queue = [build(r, ids) for r in rules if "GET" in r.methods]
        while queue:
            url = queue.pop(0)
            response = sweep.send(client, "GET", url, role)
            if response is None or response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = parse(response.get_data(as_text=True))
            pages[role].append((url, page))
            for form in page.forms:
                if form["method"] == "get":
                    params.update(name for name, _ in form["fields"])
            for href in page.links:
                target = local(href)
                if target and "?" in target:
                    path, query = target.split("?", 1)
                    params.update(k for k, _ in parse_qsl(query, keep_blank_values=True))
                    if seen_links.get(path, 0) < 2:
                        seen_links[path] = seen_links.get(path, 0) + 1
                        queue.append(target)
    params.discard("csrf_token")

    # 2. Every page a role reached, with hostile values in every query parameter.
    for role in ROLES:
        client = clients[role]
        for url in dict.fromkeys(u.split("?")[0] for u, _ in pages[role]):
            for value in QUERY_VALUES:
                sweep.send(client, "GET", f"{url}?{urlencode(dict.fromkeys(sorted(params), value))}", role, note=value)
            for name in sorted(ALWAYS_PARAMS):
                sweep.send(client, "GET", f"{url}?{urlencode({name: '²'})}", role, note=name)
            if url.startswith("/audit"):
                for cursor in CURSORS:
                    for key in ("after", "before"):
                        sweep.send(client, "GET", f"{url}?{key}={cursor}", role, note=key)

    # 3. Hostile ids and tokens in every route (as a role the route lets in), and methods no route takes.
    for rule in rules:
        reached = [r for r in ROLES if any(u.split("?")[0] == build(rule, ids) for u, _ in pages[r])]
        role = reached[0] if reached else "manager"
        for arg in rule.arguments:
            if not isinstance(rule._converters[arg], AnyConverter):
                for bad in HOSTILE_IDS + HOSTILE_TEXT:
                    url = build(type(rule)(re.sub(rf"<(?:[^<>]+:)?{arg}>", bad, rule.rule)), ids)
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        sweep.send(clients[role], method, url, role, note=arg)
        for method in WRONG_METHODS:
            sweep.send(clients[role], method, build(rule, ids), role)

    # 4. Every form a role is shown, posted as that role: the first role to see a form sends
    #    two hostile values per field, the others one. POST routes no page offered get a token.
    fuzzed: set[str] = set()
    for role in ROLES:
        client = clients[role]
        targets: dict[str, list] = {}
        for url, page in pages[role]:
            for form in page.forms:
                target = (local(form["action"]) if form["action"] else url) if form["method"] == "post" else None
                if target:
                    targets.setdefault(target, form["fields"] + [[n, v] for n, v in form.get("unchecked", [])[:1]])
        offered = {urlsplit(t).path for t in targets}
        token = csrf_from(client.get("/sign-in" if role == "anonymous" else "/"))
        for rule in rules:
            if "POST" in rule.methods and build(rule, ids) not in offered and rule.endpoint != "auth.sign_out":
                for value in ("", "\x00", "99999999999999999999"):
                    data = {"csrf_token": token, "version": value, "confirm": value}
                    sweep.send(client, "POST", build(rule, ids), role, data=data, note=value)
        # Signing out comes last: the role's later requests would be anonymous ones.
        for target, fields in sorted(targets.items(), key=lambda t: t[0].startswith("/sign-out")):
            for note, body in variants(fields, 1 if target in fuzzed else 2):
                sweep.send(client, "POST", target, role, data=as_multidict(body), note=note)
            fuzzed.add(target)

    TALLY["requests"] += sweep.requests
    TALLY["server_errors"] += len(sweep.failures)
    print(f"hostile input sweep: {sweep.requests} requests, {len(sweep.failures)} answers >= 500")
    assert sweep.failures == [], sweep.failures[:20]
    assert sweep.requests > 2000  # the table really ran


# --------------------------------------------------------------------------- the kinds seen in 500s


@pytest.mark.parametrize(
    "path",
    [
        "/proposals/9223372036854775808",
        f"/proposals/{MAX_ID + 1}",
        "/people/99999999999999999999/edit",
        "/households/%D9%A3",
        "/arrangements/0",
    ],
)
def test_an_id_past_the_columns_range_is_not_found(signed_in, path):
    assert signed_in("manager").get(path).status_code == 404


def test_page_in_other_digits_is_the_first_page(signed_in):
    client = signed_in("coordinator")
    for raw in ("²", "٣", "99999999999999999999", "-2"):
        page = client.get(f"/people?page={raw}")
        assert page.status_code == 200
        assert "Page 1 of" in page.get_data(as_text=True) or "govuk-pagination" not in page.get_data(as_text=True)


@pytest.mark.parametrize("version", ["²", "99999999999999999999", "٣", "-1", ""])
def test_a_version_that_is_not_a_whole_number_is_a_stale_form(app, db, signed_in, version):
    from tests.shared_lives.households.conftest import person_form

    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    client = signed_in("coordinator")
    url = f"/people/{person.id}/edit"
    response = client.post(
        url,
        data={"csrf_token": csrf_from(client.get(url)), **person_form(needs=None, interests=None), "version": version},
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "next_url", ["/%0D%0ASet-Cookie:%20taken=1", "/people%0d%0aLocation:%20https://evil.example", "/%00"]
)
def test_a_line_break_in_next_at_sign_in_is_refused(client, users, next_url):
    page = client.get("/sign-in")
    response = client.post(
        f"/sign-in?next={next_url}",
        data={"csrf_token": csrf_from(page), "email": users["manager"].email, "password": factories.PASSWORD},
    )
    assert response.status_code == 400
    assert CONTROL_CHARACTER_REASON in " ".join(response.get_data(as_text=True).split())
    assert "Set-Cookie: taken" not in str(response.headers)
    assert client.get("/people").status_code == 302  # not signed in


def test_a_nul_in_the_email_at_sign_in_is_refused(client, users):
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_from(page), "email": "manager\x00@test.example", "password": "x" * 10}
    )
    assert response.status_code == 400
    assert CONTROL_CHARACTER_REASON in " ".join(response.get_data(as_text=True).split())


def test_a_nul_in_a_text_field_is_refused_and_nothing_saved(app, db, signed_in):
    from sqlalchemy import func, select

    from shared_lives.people.models import Person
    from tests.shared_lives.households.conftest import person_form

    client = signed_in("coordinator")
    before = db.exec(select(func.count()).select_from(Person)).one()
    data = {
        "csrf_token": csrf_from(client.get("/people/new")),
        **person_form(needs=None, interests=None),
        "first_name": "Sam\x00",
    }
    response = client.post("/people/new", data=data)
    assert response.status_code == 400
    assert db.exec(select(func.count()).select_from(Person)).one() == before


def test_line_breaks_in_a_text_area_are_kept(app, db, signed_in):
    from sqlmodel import select

    from shared_lives.people.models import Person
    from tests.shared_lives.households.conftest import person_form

    client = signed_in("coordinator")
    data = {
        "csrf_token": csrf_from(client.get("/people/new")),
        **person_form(needs=None, interests=None),
        "support_required": "Likes tea.\r\nAnd cake.",
    }
    assert client.post("/people/new", data=data).status_code == 302
    assert (
        db.exec(select(Person.support_required).where(Person.support_required.contains("cake"))).one()
        == "Likes tea.\r\nAnd cake."
    )


@pytest.mark.parametrize("path", ["/imports/%00/columns", "/imports/a%0D%0Ab/preview", "/people/1%00/edit"])
def test_a_nul_or_line_break_in_the_path_is_refused(signed_in, path):
    response = signed_in("coordinator").get(path)
    assert response.status_code == 400
    assert CONTROL_CHARACTER_REASON in " ".join(response.get_data(as_text=True).split())
