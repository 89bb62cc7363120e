"""Certificates as a user meets them: completing a module issues exactly one; its PDF is rendered once and every
download returns the same bytes; anyone verifies it (page, JSON, upload, credential); admins and the module's
trainers revoke it with a reason that shows at once everywhere; the learner's API; the account's erasure."""

# ruff: noqa: F811 - the fixtures imported from test_learning are parameters of the tests
from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from datetime import timedelta

import jwt as pyjwt
import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import csrf_token, login
from tests.factories import count_rows, parallel_posts
from tests.test_certificate_pdf import render_pages
from tests.test_learning import CODE, _answers, _enrol, _module, _read_all, _start, _submit, learner, world  # noqa: F401 - the learning tests' fixtures, used here too
from uprest.certificates import issuance, services, statuslist
from uprest.certificates.models import Certificate
from uprest.extensions import db as _db
from uprest.extensions import utcnow


def _complete(client) -> Certificate:
    _enrol(client)
    _read_all(client)
    assert _submit(client, _start(client), _answers()).status_code == 302
    _db.session.expire_all()
    return _db.session.scalar(_db.select(Certificate))


@pytest.fixture()
def certified(client, learner) -> Certificate:
    """The logged-in learner has completed the module: its certificate."""
    certificate = _complete(client)
    assert certificate is not None
    return certificate


def _pdf(client, code: str) -> bytes:
    resp = client.get(f"/certificates/{code}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return resp.data


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_completion_issues_one_certificate_with_a_signed_credential(certified, learner):
    """Completing the module issues one certificate: a 20-character code, the learner's language, a signed
    credential whose status entry points at the status list; nothing rendered yet (the worker does it)."""
    assert count_rows(Certificate) == 1
    assert services.normal_code(certified.code) == certified.code and len(certified.code) == 20
    assert certified.kind == "module" and certified.user_id == learner.id and certified.pdf_sha256 is None
    header = pyjwt.get_unverified_header(certified.credential)
    claims = pyjwt.decode(certified.credential, options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"].endswith(".json")
    assert claims["id"].endswith(f"/verify/{certified.code}")
    assert claims["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    status = claims["credentialStatus"]
    assert status["statusListCredential"].endswith("/credentials/status/1")
    assert status["statusListIndex"] == str(certified.id)


def test_pdf_is_rendered_once_and_every_download_is_the_same_file(client, certified, learner, tmp_path):
    """The PDF has the elements, in the learner's language; it is stored with its SHA-256 and downloads return
    those bytes; page 1 is drawn and its QR code is the verification URL."""
    first = _pdf(client, certified.code)
    second = _pdf(client, certified.code)
    assert first == second
    _db.session.expire_all()
    stored = _db.session.get(Certificate, certified.id)
    assert stored.pdf_sha256 == hashlib.sha256(first).hexdigest()
    text = _text(first)
    for expected in (learner.name, "Title close-11", certified.code, "Micro-credential", "Learning outcomes"):
        assert expected in text
    (png,) = render_pages(first, tmp_path, dpi=100, first=1, last=1)
    image = Image.open(png).convert("L")
    assert sum(image.histogram()[:128]) > image.width * image.height * 0.01
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, text=True
    )
    assert decoded.stdout.splitlines() == [services.links(stored).verify]


def test_worker_renders_pending_certificates(app, certified):
    """The worker's pass renders and stores what is pending, and leaves stored documents alone."""
    assert services.render_pending() == (1, 0)
    _db.session.expire_all()
    sha = _db.session.get(Certificate, certified.id).pdf_sha256
    assert sha and services.render_pending() == (0, 0)
    assert _db.session.get(Certificate, certified.id).pdf_sha256 == sha


def test_verification_page_json_and_canonical_code(client, certified, learner):
    """Anyone sees valid, holder, title, issuer and outcomes; the JSON says the same with status and sha256; a
    code typed in lower case with hyphens leads to the canonical address; unknown codes get a clear 404."""
    _pdf(client, certified.code)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    page = client.get(f"/verify/{certified.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is valid." in html
    assert learner.name in html and "Title close-11" in html and learner.email not in html
    document = client.get(f"/verify/{certified.code}.json").get_json()
    assert document["status"] == "valid" and document["holder"] == learner.name
    _db.session.expire_all()
    assert document["sha256"] == _db.session.get(Certificate, certified.id).pdf_sha256
    assert "email" not in json.dumps(document)
    typed = "-".join(certified.code[i : i + 4] for i in range(0, 20, 4)).lower()
    resp = client.get(f"/verify/{typed}")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/verify/{certified.code}")
    lookup = client.get("/verify", query_string={"code": typed})
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith(f"/verify/{certified.code}")
    assert "not a verification code" in client.get("/verify", query_string={"code": "x"}).get_data(as_text=True)
    unknown = client.get("/verify/" + "2" * 20)
    assert unknown.status_code == 404 and "No certificate has this code" in unknown.get_data(as_text=True)
    assert client.get("/verify/" + "2" * 20 + ".json").status_code == 404
    assert client.get("/verify/%3Cscript%3E").status_code == 404


def test_upload_check_finds_the_issued_file_and_a_changed_one(client, certified):
    """The very file issued matches; the same file with one byte changed does not."""
    pdf = _pdf(client, certified.code)
    url, page = f"/verify/{certified.code}/check", f"/verify/{certified.code}"

    def check(content: bytes) -> str:
        data = {"csrf_token": csrf_token(client, page), "document": (io.BytesIO(content), "c.pdf")}
        resp = client.post(url, data=data, content_type="multipart/form-data")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    assert "The file is identical to the certificate issued." in check(pdf)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 1
    assert "The file is NOT the certificate issued" in check(bytes(changed))
    assert "Please choose the PDF file to check." in client.post(
        url, data={"csrf_token": csrf_token(client, page)}
    ).get_data(as_text=True)


def _revoked_bit(client, certificate: Certificate) -> bool:
    token = client.get("/credentials/status/1").get_data(as_text=True)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    return statuslist.is_set(claims["credentialSubject"]["encodedList"], certificate.id)


def test_module_trainer_revokes_with_a_reason_shown_everywhere(app, client, certified, world, create_user):
    """The learner and another trainer may not revoke; the module's trainer must give a reason; then the page,
    the JSON and the status list say revoked at once."""
    url = f"/certificates/{certified.code}/revoke"
    assert client.get(url).status_code == 403
    assert not _revoked_bit(client, certified)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    create_user(role="trainer", email="other@example.org")
    login(client, "other@example.org")
    assert client.get(url).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world["trainer"].email)
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": " "})
    assert empty.status_code == 200 and "Please give the reason" in empty.get_data(as_text=True)
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Quiz answers were shared."})
    assert resp.status_code == 302
    html = client.get(f"/verify/{certified.code}").get_data(as_text=True)
    assert "This certificate was revoked on" in html and "Quiz answers were shared." in html
    document = client.get(f"/verify/{certified.code}.json").get_json()
    assert document["status"] == "revoked" and document["revocation_reason"] == "Quiz answers were shared."
    assert _revoked_bit(client, certified)
    assert client.get(url).status_code == 302  # already revoked: back to the page


def test_status_list_is_signed_and_unknown_lists_are_404(client, certified):
    """The status list verifies with the published key; a list no certificate can be on does not exist."""
    token = client.get("/credentials/status/1").get_data(as_text=True)
    kid = pyjwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in client.get("/.well-known/jwks.json").get_json()["keys"] if k["kid"] == kid)
    claims = pyjwt.decode(token, pyjwt.PyJWK(jwk).key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404


def test_only_the_holder_downloads_the_pdf(app, client, certified, create_user):
    """Another learner and anonymous visitors get no PDF; the credential (no clear name) is public."""
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/certificates/{certified.code}.pdf").status_code == 302  # to the login page
    create_user(email="nosy@example.org")
    login(client, "nosy@example.org")
    assert client.get(f"/certificates/{certified.code}.pdf").status_code == 404
    assert certified.code not in client.get("/certificates").get_data(as_text=True)
    resp = client.get(f"/certificates/{certified.code}/credential.jwt")
    assert resp.status_code == 200 and resp.get_data(as_text=True) == certified.credential


def test_my_certificates_page_and_api(client, certified):
    """The learner's page and /api/v1/me/certificates list the certificate with its status and links."""
    html = client.get("/certificates").get_data(as_text=True)
    assert certified.code in html and "Title close-11" in html
    (row,) = client.get("/api/v1/me/certificates").get_json()["certificates"]
    assert row["code"] == certified.code and row["status"] == "valid" and row["module"] == CODE
    assert row["pdf_url"].endswith(f"/certificates/{certified.code}.pdf")
    assert row["verification_url"].endswith(f"/verify/{certified.code}")
    assert row["credential_url"].endswith(f"/certificates/{certified.code}/credential.jwt")


def test_parallel_completions_issue_one_certificate(app, client, learner):
    """Twenty quiz submissions at once complete the module once and issue one certificate."""
    _enrol(client)
    _read_all(client)
    number = _start(client)
    token = csrf_token(client, f"/learn/{CODE}/quiz")
    data = {"csrf_token": token, "attempt": str(number), **_answers()}
    assert set(parallel_posts(app, client, f"/learn/{CODE}/quiz/{number}/submit", data)) == {302}
    assert count_rows(Certificate) == 1


def test_issuing_twice_for_one_completion_gives_one(app, certified, learner):
    """The unique subject holds even when issuance is asked again for the same completion."""
    with app.test_request_context():
        again = issuance.issue(learner, certified.subject, "module", lambda code, now: None)
    assert again is None and count_rows(Certificate) == 1


def test_expired_certificate_says_so(client, certified):
    """A certificate past its expiry date verifies as expired."""
    certified.expires_at = utcnow() - timedelta(days=1)
    _db.session.commit()
    assert client.get(f"/verify/{certified.code}.json").get_json()["status"] == "expired"
    assert "This certificate expired on" in client.get(f"/verify/{certified.code}").get_data(as_text=True)


def test_module_validity_sets_the_expiry(client, learner, world):
    """A module whose certificate is valid for 24 months issues a certificate that expires then."""
    version = world["module"].versions[-1]
    version.certificate_valid_months = 24
    _db.session.commit()
    certificate = _complete(client)
    issued, expires = certificate.issued_at, certificate.expires_at
    assert (expires.year - issued.year) * 12 + expires.month - issued.month == 24


def test_plan_certificate_lists_the_plan_modules(app, client, learner, world):
    """Completing every module of a plan of two issues a plan certificate that lists both."""
    from uprest.recommendations import services as recommendations

    second = _module(world["trainer"], "close-12")
    recommendations.accept(learner, [CODE, second.code])
    _db.session.commit()
    _complete(client)
    assert count_rows(Certificate, Certificate.kind == "plan") == 0
    _enrol(client, "close-12")
    for n in (1, 2):
        client.post(
            f"/learn/close-12/lessons/{n}/read", data={"csrf_token": csrf_token(client, f"/learn/close-12/lessons/{n}")}
        )
    start = client.post("/learn/close-12/quiz/start", data={"csrf_token": csrf_token(client, "/learn/close-12/quiz")})
    number = int(start.headers["Location"].rsplit("/", 1)[1])
    client.post(
        f"/learn/close-12/quiz/{number}/submit",
        data={"csrf_token": csrf_token(client, "/learn/close-12/quiz"), "attempt": str(number), **_answers()},
    )
    _db.session.expire_all()
    plan = _db.session.scalar(_db.select(Certificate).where(Certificate.kind == "plan"))
    assert plan is not None and count_rows(Certificate) == 3
    titles = [t["en"] for t in plan.data["parts"]]
    assert titles == ["Title close-11", "Title close-12"]
    assert "Learning plan of 2 modules" in _text(_pdf(client, plan.code))


def test_erased_account_withdraws_its_certificates(app, client, certified, learner):
    """Deleting the account withdraws the certificate: the page and the JSON say so and name nobody."""
    from tests.conftest import PASSWORD
    from uprest.accounts.userdata import delete_account

    _pdf(client, certified.code)
    name = learner.name
    delete_account(learner, PASSWORD)
    _db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    html = client.get(f"/verify/{certified.code}").get_data(as_text=True)
    assert "Withdrawn: the holder&#39;s account was deleted." in html and name not in html
    document = client.get(f"/verify/{certified.code}.json").get_json()
    assert document["status"] == "revoked" and document["sha256"] is None and "holder" not in document


def test_verification_is_rate_limited(app, client, certified):
    """The public verification answers 429 past its limit."""
    app.config["RATELIMIT_VERIFY_PER_ADDRESS"] = "3 per minute"
    try:
        codes = [client.get(f"/verify/{certified.code}.json").status_code for _ in range(5)]
    finally:
        app.config["RATELIMIT_VERIFY_PER_ADDRESS"] = "60 per minute"
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_module_page_and_dashboard_show_the_certificate(client, certified):
    """The module's page and the home page lead the learner to the certificate."""
    assert f"/certificates/{certified.code}.pdf" in client.get(f"/courses/{CODE}").get_data(as_text=True)
    assert "/certificates" in client.get("/").get_data(as_text=True)
    assert "Your certificates" in client.get("/").get_data(as_text=True)


def test_parallel_first_downloads_all_get_the_stored_file(app, client, certified):
    """Ten first downloads at once (nothing rendered yet) all return the one file that was stored."""
    import threading

    cookie = client.get_cookie("session")
    barrier = threading.Barrier(10)
    bodies = []

    def download():
        own = app.test_client()
        own.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        resp = own.get(f"/certificates/{certified.code}.pdf")
        bodies.append((resp.status_code, resp.data))

    threads = [threading.Thread(target=download) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _db.session.expire_all()
    stored = _db.session.get(Certificate, certified.id)
    assert {status for status, _body in bodies} == {200}
    assert {hashlib.sha256(body).hexdigest() for _status, body in bodies} == {stored.pdf_sha256}
