"""Bad input never makes a server error: every route of app.url_map, fed nasty values, answers below 500.

The routes, their URLs and the objects behind them come from the authorization matrix (tests/test_authz_matrix.py):
each case runs as a role the matrix lets use it (a page it sees, or a form it may post). Then:

* GET: each query parameter the route reads gets every value of QUERY_NASTY. The parameters are the ones the page
  itself uses (its GET forms and its links to itself) and the ones any view reads (QUERY_ARGS); one query string
  of invalid UTF-8 is sent too.
* POST: the fields of the forms that post to the route are read from the pages the role sees; starting from the
  form as rendered (a valid post), each field in turn gets every value of NASTY, a file and two files (of rows
  built from data, such as the targets of a profile, the first row stands for the others). Each route also
  gets a JSON body, text, XML, a body without a type (these must be refused with 415 by
  uprest.security.require_form_posts), an empty post, a post without its CSRF token (400), broken
  percent-encoding and more fields than a form can have. Posts that end the session or delete the objects behind
  the URLs (`changes_data` in the matrix) only get the variants that never reach the view.

Rate limits are off for the walk (they would answer 429 before the forms are reached). A post whose form is not
found on any page the role sees fails the walk (unless it is one of FORMLESS), so that fields cannot silently
drop out of it.
"""

from __future__ import annotations

import io
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import csrf_token
from tests.factories import make_competences, make_module
from tests.test_authz_matrix import EXEMPT, LOGIN, MATRIX, ROLES, Actor, Case, Redirect, build_world
from uprest.extensions import db, limiter

# Values a field or a query parameter gets, one at a time. A list is sent as the same key repeated.
NASTY: list = [
    "",
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "9" * 5000,  # more digits than Python's int() converts
    "1.5",
    "1e309",
    "NaN",
    "1_000",
    "١٢٣",  # digits that int() reads as 123
    "true",
    '{"a": [1]}',
    "Ωmega ☃ 😀 \u202e\u0301 ﷽",
    "\x00",
    "\x7f\x1b[31m\r\nSet-Cookie: x=1",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "//evil.example/x",
    "x" * 300,
    "x" * 100_000,
    ["1", "2"],
]
# What each query parameter gets: the values that break number parsing, lookups and redirects.
QUERY_NASTY: list = [
    "",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "9" * 5000,
    "1.5",
    "1_000",
    "١٢٣",
    "Ωmega ☃ 😀 \u202e",
    "\x00",
    "//evil.example/x",
    "' OR '1'='1' --",
    "x" * 100_000,
    ["1", "2"],
]
# Query parameters some view reads (besides those a page shows in its own links and GET forms).
QUERY_ARGS = ("page", "per_page", "v", "lang", "next")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Posts that no page shows a form for, as the matrix calls them: (endpoint, variant).
FORMLESS = {
    ("assessments.page", "submitted"),
    ("catalog.status_action", ""),
    ("learning.enrol", "a draft is not open"),  # no field: the CSRF token only
    ("learning.start", ""),  # the learner's attempt is open: the quiz page links to it (the CSRF token only)
    # pub-mod asks for no attendance, so no page shows the button; its one field is tested in test_teaching.py
    ("teaching.attendance", ""),
    ("teaching.attendance", "another module's enrolment"),
}


# --- which role runs each case ------------------------------------------------------------------


def _rank(answer) -> int | None:
    """How far a role's answer lets the fuzzing reach: a page (0), a refusal by validation (1), a redirect that
    is not to the login or home page (2), a refusal by the view (3); None for answers that stop before the view
    (to the login page, an object the role may not see)."""
    if answer == 200:
        return 0
    if answer == 400:
        return 1
    if isinstance(answer, Redirect) and answer != LOGIN and answer.path != "/":
        return 2
    if answer == 403:
        return 3
    return None


PREFERENCE = ("learner", "trainer", "admin", "anonymous", "employee", "other_learner", "other_trainer", "staff")
# Forms that only one role of the world is shown: a member who does not own the business (its sharing choice),
# a user without an assessment in progress (the start form).
ACTING_ROLE = {"accounts.sharing": "employee", "assessments.start": "employee"}


def acting_role(endpoint: str, case: Case) -> str:
    """The role a case is fuzzed as: the one whose answer reaches furthest into the view; for a post, one that
    is shown the route's page; then the first of PREFERENCE."""
    if endpoint in ACTING_ROLE:
        return ACTING_ROLE[endpoint]
    page = next((c for c in MATRIX[endpoint] if c.method == "GET" and not c.variant), None)
    shown = {role for role in ROLES if page is not None and page.expect[role] == 200}
    ranked = [(_rank(case.expect[role]), role not in shown, PREFERENCE.index(role), role) for role in ROLES]
    usable = sorted(r for r in ranked if r[0] is not None)
    return usable[0][-1] if usable else "admin"


def cases_by_role() -> dict[str, list[tuple[str, Case]]]:
    found = defaultdict(list)
    for endpoint, cases in MATRIX.items():
        if endpoint in EXEMPT:
            continue
        for case in cases:
            found[acting_role(endpoint, case)].append((endpoint, case))
    return found


CASES = cases_by_role()


# --- forms read from the pages ---------------------------------------------------------------------


@dataclass
class Form:
    action: str  # the path it posts to
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)  # what the form posts as rendered
    names: set[str] = field(default_factory=set)  # every field name, buttons included
    files: set[str] = field(default_factory=set)
    also_posts_to: list[str] = field(default_factory=list)  # buttons with a formaction of their own


class FormParser(HTMLParser):
    """The forms of a page: their action, method, field names and the values they would post as rendered."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "button" and self.form is not None and a.get("formaction"):
            self.form.also_posts_to.append(urlsplit(a["formaction"]).path)
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self.form = Form(action=action, method=(a.get("method") or "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            self.form.names.add(name)
            if kind == "file":
                self.form.files.add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.values.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset"):
                self.form.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "button":
            self.form.names.add(name)
        elif tag == "select":
            self.form.names.add(name)
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.form.values.setdefault(self.select, []).append(value)
                self.select_chosen = True
        elif tag == "textarea":
            self.form.names.add(name)
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            if self.form is not None:  # the same fields, posted to a button's own address
                for action in self.form.also_posts_to:
                    self.forms.append(
                        Form(action, self.form.method, self.form.values, self.form.names, self.form.files)
                    )
            self.form = None
        elif tag == "select" and self.select and self.form is not None:
            if not self.select_chosen and self.select_first is not None:
                self.form.values.setdefault(self.select, []).append(self.select_first)
            self.select = None
        elif tag == "textarea" and self.textarea and self.form is not None:
            self.form.values.setdefault(self.textarea, []).append("".join(self.text).removeprefix("\n"))
            self.textarea = None


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def read_page(html: str, path: str) -> tuple[list[Form], list[str]]:
    forms, links = FormParser(path), LinkParser()
    forms.feed(html)
    links.feed(html)
    return forms.forms, links.hrefs


# --- the walk -------------------------------------------------------------------------------------


class Walk:
    """Sends the requests as one actor and keeps what went wrong."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.sent = 0
        self.failures: list[str] = []
        self.unexpected: list[str] = []
        self.formless: list[str] = []

    def send(self, what: str, method: str, url: str, **kwargs):
        self.sent += 1
        try:
            resp = self.actor.client.open(url, method=method, **kwargs)
        except Exception as exc:  # the app raised (TESTING propagates exceptions): a 500 in production
            self.failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if resp.status_code >= 500:
            self.failures.append(f"{what}: {resp.status_code}")
        return resp

    def expect(self, what: str, resp, allowed: set[int]) -> None:
        if resp is not None and resp.status_code not in allowed:
            self.unexpected.append(f"{what}: {resp.status_code}, expected one of {sorted(allowed)}")


def describe(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}...({len(value)})"


def fuzz_query(walk: Walk, url: str, html: str) -> None:
    parts = urlsplit(url)
    base = dict(parse_qsl(parts.query))
    forms, hrefs = read_page(html, parts.path)
    names = set(QUERY_ARGS) | set(base)
    for form in forms:
        if form.method == "get" and form.action == parts.path:
            names |= form.names
    for href in hrefs:
        link = urlsplit(href)
        if link.path == parts.path and not link.netloc:
            names |= {k for k, _v in parse_qsl(link.query)}
    for name in sorted(names):
        for value in QUERY_NASTY:
            walk.send(
                f"GET {parts.path}?{name}={describe(value)}", "GET", parts.path, query_string={**base, name: value}
            )
    walk.send(
        f"GET {parts.path} invalid UTF-8", "GET", parts.path, query_string="q=%ff%fe&page=%c0%af&v=%ed%a0%80&next=%ff"
    )


def representatives(fields: list[str]) -> list[str]:
    """One field of each kind: of the rows of a form built from data (targets-0-min, targets-1-min ...;
    item_12, item_13 ...) and of the copies of a field per language (title_en, title_sv ...: one loop over the
    same field definition makes them) the first stands for the others, which keep their rendered values."""
    first: dict[str, str] = {}
    for name in fields:
        first.setdefault(re.sub(r"_(en|sv|it|fi|hr)$", "_<lang>", re.sub(r"\d+", "#", name)), name)
    return sorted(first.values())


def fuzz_post(walk: Walk, endpoint: str, case: Case, url: str, form: Form | None) -> None:
    token = walk.actor.token
    path = urlsplit(url).path
    names = set(case.data) | (form.names if form else set())
    names.discard("csrf_token")
    fields = sorted(names)
    fuzzed = representatives(fields)
    header = {"X-CSRFToken": token}
    label = f"POST {path} ({endpoint})"

    # Other bodies than a form: refused before the view.
    json_body = {"csrf_token": token, **dict.fromkeys(fields, 2147483648), "extra": [1, {"a": None}]}
    walk.expect(f"{label} JSON", walk.send(f"{label} JSON", "POST", url, json=json_body, headers=header), {415})
    walk.expect(
        f"{label} JSON without token", walk.send(f"{label} JSON, no token", "POST", url, json=json_body), {400, 415}
    )
    for mimetype, body in [
        ("text/plain", "csrf_token=" + token),
        ("application/xml", "<a>1</a>"),
        ("application/x-www-form-urlencoded-x", "a=1"),
        (None, "csrf_token=" + token),
    ]:
        what = f"{label} body of type {mimetype}"
        resp = walk.send(what, "POST", url, data=body, content_type=mimetype, headers=header)
        walk.expect(what, resp, {415})
    walk.expect(
        f"{label} form without token",
        walk.send(f"{label} form without token", "POST", url, data={f: "1" for f in fields}),
        {400},
    )
    if case.changes_data or case.ends_session:
        return

    baseline = {k: list(v) for k, v in (form.values.items() if form else ())}
    baseline.pop("csrf_token", None)

    def post(what, changes: dict, **kwargs):
        data = {**baseline, **changes, "csrf_token": token}
        return walk.send(f"{label} {what}", "POST", url, data=data, **kwargs)

    post("as rendered", {})
    walk.send(f"{label} empty post", "POST", url, headers=header)
    walk.send(
        f"{label} broken percent-encoding",
        "POST",
        url,
        data=f"csrf_token={token}&" + "&".join(f"{f}=%ZZ%E0%A4%A" for f in fields) + "&%=%%",
        content_type="application/x-www-form-urlencoded",
    )
    walk.send(
        f"{label} too many fields",
        "POST",
        url,
        data={"csrf_token": token, **{f"f{i}": "x" for i in range(1500)}},
        content_type="multipart/form-data",
    )
    for name in fuzzed:
        for value in NASTY:
            post(f"{name}={describe(value)}", {name: value})
        post(f"{name}=<a file>", {name: (io.BytesIO(b"GIF89a\x00\x00"), "x.gif")}, content_type="multipart/form-data")
        post(f"{name}=<two files>", {name: [(io.BytesIO(b"a"), "a.txt"), (io.BytesIO(b"b"), "b.txt")]})


def fuzz_role(app, people, values, role) -> Walk:
    actor = Actor(app, role, people)
    walk = Walk(actor)
    cases = CASES[role]
    # The forms this role sees, by the path they post to (the pages the matrix lists, as rendered for the role).
    forms: dict[str, Form] = {}
    pages: dict[str, str] = {}
    for _endpoint, case in cases + [(e, c) for e, cs in MATRIX.items() for c in cs if e not in EXEMPT]:
        if case.method != "GET" or _rank(case.expect[role]) != 0:
            continue
        url = case.url.format(**values)
        if url in pages:
            continue
        resp = actor.client.get(url)
        html = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
        pages[url] = html
        for form in read_page(html, urlsplit(url).path)[0]:
            if form.method == "post":
                forms.setdefault(form.action, form)
    for endpoint, case in sorted(cases, key=lambda c: (c[1].changes_data or c[1].ends_session, c[0])):
        url = case.url.format(**values)
        if case.method == "GET":
            fuzz_query(walk, url, pages.get(url, ""))
        else:
            form = forms.get(urlsplit(url).path)
            if form is None and not (case.changes_data or case.ends_session or (endpoint, case.variant) in FORMLESS):
                walk.formless.append(f"{endpoint} [{case.variant}] {url}")
            fuzz_post(walk, endpoint, case, url, form)
        if case.ends_session:
            actor.log_in()
    return walk


@pytest.fixture()
def no_rate_limits():
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.mark.parametrize("role", sorted(CASES))
def test_no_server_error_from_bad_input(app, create_user, territory, no_rate_limits, role):
    """No nasty value in any query parameter or form field, and no body of the wrong kind, gives a 5xx; bodies
    that are not forms get 415, and forms without their token 400."""
    people, values = build_world(create_user, territory)
    started = time.perf_counter()
    walk = fuzz_role(app, people, values, role)
    print(f"\n{role}: {walk.sent} requests in {time.perf_counter() - started:.1f} s")
    assert walk.failures == [], f"{len(walk.failures)} server errors:\n" + "\n".join(walk.failures[:60])
    assert walk.unexpected == [], "\n".join(walk.unexpected[:60])
    assert walk.formless == [], "posts whose form no page of the role shows (their fields were not fuzzed)"


def test_every_route_is_fuzzed():
    """Every endpoint and method of the matrix (so every route of app.url_map) is walked by some role."""
    walked = {(endpoint, case.method) for cases in CASES.values() for endpoint, case in cases}
    assert walked == {(endpoint, case.method) for endpoint, cases in MATRIX.items() for case in cases}


# --- the rules the walk relies on, one by one ---------------------------------------------------------


def test_post_that_is_not_a_form_gets_a_clear_415_page(client, login_as):
    """A page's URL posted JSON or text (even with a valid CSRF token) answers 415 with our error page; the form
    is not processed."""
    user = login_as()
    token = csrf_token(client, "/account")
    for kwargs in (
        {"json": {"name": "Eve", "locale": "en", "territory_id": 5}},
        {"json": [1, 2]},
        {"data": "name=Eve&locale=en", "content_type": "text/plain"},
        {"data": "<name>Eve</name>", "content_type": "application/xml"},
    ):
        resp = client.post("/account", headers={"X-CSRFToken": token}, **kwargs)
        assert resp.status_code == 415
        assert resp.mimetype == "text/html"
        assert "This kind of data is not accepted" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert user.name != "Eve"


def test_post_without_a_body_reaches_the_form(client, login_as):
    """A post with no body and no type is not refused as a wrong type: the form sees nothing (here: the CSRF
    check answers 400)."""
    login_as()
    assert client.post("/account").status_code == 400


def test_file_posted_in_a_text_field_is_not_read(client):
    """A file upload named like a text field is ignored: the field is empty and the form says so (no 5xx)."""
    token = csrf_token(client, "/password/forgot")
    resp = client.post(
        "/password/forgot",
        data={"csrf_token": token, "email": (io.BytesIO(b"a@example.org"), "email.txt")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    assert "Please enter your e-mail address." in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("v", "status"),
    [
        ("", 200),
        ("1", 200),
        ("2", 404),
        ("0", 404),
        ("-1", 404),
        ("2147483647", 404),
        ("2147483648", 404),
        ("99999999999999999999", 404),
        ("1.0", 404),
        ("١", 404),
        ("abc", 404),
    ],
)
def test_version_parameter_is_a_bounded_number(client, create_user, v, status):
    """?v= names a published version by a whole number from 1 to 2**31-1; anything else is a 404, also on the
    lesson pages (on PostgreSQL 2147483648 no longer reaches the database, on SQLite 10**20 neither)."""
    make_competences()
    make_module(create_user(role="trainer"), "pub-mod", publish=True)
    assert client.get("/courses/pub-mod", query_string={"v": v}).status_code == status
    assert client.get("/courses/pub-mod/lessons/1", query_string={"v": v}).status_code == status
