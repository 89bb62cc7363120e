"""Authorization matrix: every route and method of app.url_map, every role, one concrete expected answer.

A route (endpoint + method) without an entry in MATRIX fails the suite, and so does an entry whose route
is gone: a new route cannot be added without stating who may use it. To add a route, add its endpoint to
MATRIX with one Case per method (more Cases for variants such as a draft vs a published module) and the
answer of each role, built with the helpers below (`public`, `users`, `trainers`, `editors`, `admins`,
`own_run`, `roles`). URLs are templates filled from the objects that `build_world` makes.

POSTs carry a valid CSRF token, so each answer is the view's authorization, not the CSRF check. Their
form data is chosen to be refused by validation where possible (the answer is then the re-rendered form
or a redirect with a message), so that most posts change nothing; the few that do change data are
marked `changes_data` and run after the others.

Known authorization bugs: the matrix states what the answer SHOULD be; KNOWN_BUGS names the cell and the
reason, the walk skips it and test_known_authorization_bugs runs it as a strict xfail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token, login
from tests.factories import (
    make_assessment_frameworks,
    make_assessment_run,
    make_business,
    make_invitation,
    make_member,
    make_module,
    make_pending_registration,
    make_reset_token,
    png,
)
from uprest.extensions import db

# The acting users. "learner" owns a business, with a submitted and an open assessment run;
# "other_learner" owns another business and acts on the first learner's objects; "employee" is a learner
# working in the first learner's business (joined by invitation); "trainer" owns a draft and a published
# module; "other_trainer" is a trainer who does not edit them; "staff" is municipality staff.
ROLES = ("anonymous", "learner", "other_learner", "employee", "trainer", "other_trainer", "staff", "admin")
ACCOUNT_ROLE = {
    "learner": "learner",
    "other_learner": "learner",
    "employee": "learner",
    "trainer": "trainer",
    "other_trainer": "trainer",
    "staff": "staff",
    "admin": "admin",
}

# Endpoints that are not in the matrix on purpose, with the reason.
EXEMPT = {"static": "files from static/ (CSS, JS, fonts, images) are public to everyone"}


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location has this path (query and fragment ignored)."""

    path: str

    def __repr__(self) -> str:
        return f"302->{self.path}"


LOGIN = Redirect("/login")
HOME = Redirect("/")


def roles(default, **by_role) -> dict:
    """The answer of every role: `default` unless named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def public(answer=200, **by_role) -> dict:
    """Everyone, logged in or not."""
    return roles(answer, **by_role)


def users(answer, **by_role) -> dict:
    """Every logged-in user; anonymous visitors are sent to the login page."""
    return roles(answer, **{"anonymous": LOGIN, **by_role})


def trainers(answer, **by_role) -> dict:
    """Trainers and admins; other users get 403."""
    return roles(403, **{"anonymous": LOGIN, "trainer": answer, "other_trainer": answer, "admin": answer, **by_role})


def editors(answer, **by_role) -> dict:
    """The trainer who owns the module and admins; other trainers and other users get 403."""
    return roles(403, **{"anonymous": LOGIN, "trainer": answer, "admin": answer, **by_role})


def admins(answer) -> dict:
    """Admins only; other users get 403."""
    return roles(403, anonymous=LOGIN, admin=answer)


def staff(answer, **by_role) -> dict:
    """Municipality staff and admins; other users get 403."""
    return roles(403, **{"anonymous": LOGIN, "staff": answer, "admin": answer, **by_role})


def own_enrolment(answer) -> dict:
    """The learner enrolled in the module; anybody else's enrolment does not exist for them (404)."""
    return roles(404, anonymous=LOGIN, learner=answer)


def own_run(answer) -> dict:
    """The learner whose assessment run it is; anybody else's run does not exist for them (404)."""
    return roles(404, anonymous=LOGIN, learner=answer)


@dataclass(frozen=True)
class Case:
    method: str
    url: str  # a template filled from build_world()
    expect: dict
    data: dict = field(default_factory=dict)  # posted with a valid CSRF token
    variant: str = ""  # what this case probes when an endpoint has several
    changes_data: bool = False  # run after the read-only cases
    ends_session: bool = False  # the walk logs in again afterwards


def GET(url, expect, **kw) -> Case:  # noqa: N802 - reads like the request line
    return Case("GET", url, expect, **kw)


def POST(url, expect, data=None, **kw) -> Case:  # noqa: N802
    return Case("POST", url, expect, data=data or {}, **kw)


DRAFT = "/authoring/draft-mod"
SESSION = "/sessions/{sess_a}"
LEARN = "/learn/pub-mod"

MATRIX: dict[str, list[Case]] = {
    # --- main ----------------------------------------------------------------------------------
    "main.home": [GET("/", public())],
    "main.healthz": [GET("/healthz", public())],
    "main.privacy": [GET("/privacy", public())],
    "main.accessibility": [GET("/accessibility", public())],
    "main.set_language": [POST("/language", public(Redirect("/privacy")), {"lang": "en", "next": "/privacy"})],
    # --- accounts ------------------------------------------------------------------------------
    "accounts.register": [
        GET("/register", roles(HOME, anonymous=200)),
        POST("/register", roles(HOME, anonymous=200), {"email": ""}),
    ],
    "accounts.registration_sent": [GET("/register/sent", public())],
    # whoever holds the mailed link creates that account and is logged in as it
    "accounts.confirm_registration": [
        GET("/register/confirm/{confirm_token}", public()),
        POST("/register/confirm/{confirm_token}", public(HOME), changes_data=True, ends_session=True),
        GET("/register/confirm/not-a-token", public(404), variant="unknown token"),
    ],
    "accounts.login": [
        GET("/login", roles(HOME, anonymous=200)),
        POST("/login", public(200), {"email": "nobody@example.org", "password": "wrong password"}),
    ],
    "accounts.logout": [POST("/logout", users(HOME), ends_session=True)],
    "accounts.profile": [GET("/account", users(200)), POST("/account", users(200), {"name": ""})],
    "accounts.change_password": [
        GET("/account/password", users(200)),
        POST("/account/password", users(200), {"current": "wrong", "password": "x", "confirm": "y"}),
    ],
    "accounts.export_data": [GET("/account/export.json", users(200))],
    "accounts.delete_account": [
        GET("/account/delete", users(200)),
        POST("/account/delete", users(200), {"password": "wrong password"}),
    ],
    "accounts.sharing": [POST("/account/sharing", users(Redirect("/account")), {"share": "y"})],
    "accounts.forgot_password": [
        GET("/password/forgot", public()),
        POST("/password/forgot", public(), {"email": ""}),
    ],
    "accounts.reset_password": [
        GET("/password/reset/{reset_token}", public()),
        POST("/password/reset/{reset_token}", public(), {"password": "a", "confirm": "b"}),
        GET("/password/reset/not-a-token", public(404), variant="unknown token"),
    ],
    "accounts.business": [
        GET("/business", users(200)),
        POST("/business", users(200), {"name": ""}),
    ],
    "accounts.create_invitation": [
        POST(
            "/business/invitations",
            roles(
                404, anonymous=LOGIN, learner=Redirect("/business"), other_learner=Redirect("/business"), employee=403
            ),
            {"email": "not-an-address"},
        ),
    ],
    "accounts.revoke_invitation": [
        POST(
            "/business/invitations/{inv_revoke}/revoke",
            roles(404, anonymous=LOGIN, learner=Redirect("/business"), employee=403),
            changes_data=True,
        ),
    ],
    "accounts.remove_member": [
        POST(
            "/business/members/{employee_id}/remove",
            roles(404, anonymous=LOGIN, learner=Redirect("/business"), employee=403),
            changes_data=True,
        ),
    ],
    "accounts.leave_business": [
        # owners cannot leave (back to the business page); members leave; users without one go home
        POST(
            "/business/leave",
            users(HOME, learner=Redirect("/business"), other_learner=Redirect("/business")),
            changes_data=True,
        ),
    ],
    "accounts.accept_invitation": [
        GET("/join/{join_token}", public()),
        # members of a business are refused (back to their business page); the others join
        POST("/join/{join_token}", users(Redirect("/business"), anonymous=200), changes_data=True),
        GET("/join/not-a-token", public(404), variant="unknown token"),
    ],
    # --- admin ---------------------------------------------------------------------------------
    "admin.users": [GET("/admin/users", admins(200))],
    "admin.edit_user": [
        GET("/admin/users/{learner_id}", admins(200)),
        POST("/admin/users/{learner_id}", admins(200), {"role": "emperor"}),
        GET("/admin/users/999999", admins(404), variant="unknown user"),
    ],
    "admin.territories": [
        GET("/admin/territories", admins(200)),
        POST("/admin/territories", admins(200), {"code": ""}),
    ],
    "admin.edit_territory": [
        GET("/admin/territories/{territory_id}", admins(200)),
        POST("/admin/territories/{territory_id}", admins(200), {"code": ""}),
        GET("/admin/territories/999999", admins(404), variant="unknown territory"),
    ],
    "admin.municipalities_moved": [GET("/admin/municipalities", admins(301))],
    "admin.municipality_moved": [GET("/admin/municipalities/{territory_id}", admins(301))],
    "admin.outbox": [GET("/admin/outbox", admins(200))],
    "admin.outbox_message": [GET("/admin/outbox/{message_id}", admins(200))],
    # --- providers (awarding bodies): public pages and issuer profiles; administrators manage them -----------
    "providers.index": [GET("/providers", public())],
    "providers.show": [
        GET("/providers/matrix-provider", public()),
        GET("/providers/no-such-provider", public(404), variant="unknown provider"),
    ],
    "providers.profile": [
        GET("/providers/matrix-provider.json", public()),
        GET("/providers/no-such-provider.json", public(404), variant="unknown provider"),
    ],
    "providers_admin.index": [GET("/admin/providers", admins(200))],
    "providers_admin.new": [
        GET("/admin/providers/new", admins(200)),
        POST("/admin/providers/new", admins(200), {"slug": ""}),
    ],
    "providers_admin.edit": [
        GET("/admin/providers/matrix-provider/edit", admins(200)),
        POST("/admin/providers/matrix-provider/edit", admins(200), {"name": ""}),
        GET("/admin/providers/no-such-provider/edit", admins(404), variant="unknown provider"),
    ],
    # --- xAPI: the read-only LRS (HTTP Basic clients, never the session) and its clients' administration ----
    "xapi.about": [GET("/xapi/about", public())],
    "xapi.statements": [GET("/xapi/statements", public(401))],
    "xapi_admin.clients": [
        GET("/admin/lrs-clients", admins(200)),
        POST("/admin/lrs-clients", admins(200), {"name": ""}),
    ],
    "xapi_admin.deactivate": [
        POST(
            "/admin/lrs-clients/{lrs_client_id}/deactivate", admins(Redirect("/admin/lrs-clients")), changes_data=True
        ),
    ],
    # --- JSON API ------------------------------------------------------------------------------
    "api.openapi": [GET("/api/v1/openapi.json", public())],
    # --- the keys that sign the certificates' credentials (open to every verifier) ----------------------
    "credentials.jwks": [GET("/.well-known/jwks.json", public())],
    "credentials.jwk": [GET("/.well-known/jwks/unknown-kid.json", public(404))],
    # --- certificates: verification is public; the PDF is the holder's; revocation the module's editors' --------
    "certificates.lookup": [
        GET("/verify", public()),
        GET("/verify?code={cert_code}", public(Redirect("/verify/{cert_code}")), variant="code"),
    ],
    "certificates.verify": [
        GET("/verify/{cert_code}", public()),
        GET("/verify/22222222222222222222", public(404), variant="unknown code"),
    ],
    "certificates.check": [POST("/verify/{cert_code}/check", public(200), {}, variant="no file")],
    "certificates.verify_json": [GET("/verify/{cert_code}.json", public())],
    "certificates.credential": [GET("/certificates/{cert_code}/credential.jwt", public())],
    "certificates.status_list": [
        GET("/credentials/status/1", public()),
        GET("/credentials/status/9", public(404), variant="no such list"),
    ],
    "certificates.mine": [GET("/certificates", users(200))],
    "certificates.download": [GET("/certificates/{cert_code}.pdf", own_enrolment(200))],
    "certificates.revoke": [
        GET("/certificates/{cert_code}/revoke", editors(200)),
        POST("/certificates/{cert_code}/revoke", editors(200), {"reason": ""}, variant="no reason"),
    ],
    "certificates.issued": [GET("/certificates/issued", trainers(200))],
    "api.frameworks": [GET("/api/v1/frameworks", public())],
    "api.framework": [GET("/api/v1/frameworks/digcomp", public())],
    "api.modules": [GET("/api/v1/modules", public())],
    "api.module": [
        GET("/api/v1/modules/pub-mod", public()),
        GET("/api/v1/modules/draft-mod", public(404), variant="draft"),
    ],
    "api.sessions": [
        GET("/api/v1/sessions", public()),
        GET("/api/v1/sessions?format=teleport", public(400), variant="bad filter"),
    ],
    "session_feeds.municipality_feed": [
        GET("/sessions/feeds/municipality/vanersborg.ics", public()),
        GET("/sessions/feeds/municipality/atlantis.ics", public(404), variant="unknown municipality"),
    ],
    "session_feeds.provider_feed": [
        GET("/providers/matrix-provider/sessions.ics", public()),
        GET("/providers/no-such-provider/sessions.ics", public(404), variant="unknown provider"),
    ],
    # only the learner has a submitted assessment; the API answers 401 (not a redirect) when logged out
    "api.me_gaps": [GET("/api/v1/me/gaps", roles(404, anonymous=401, learner=200))],
    "api.me_recommendations": [GET("/api/v1/me/recommendations", roles(404, anonymous=401, learner=200))],
    "api.me_progress": [GET("/api/v1/me/progress", roles(200, anonymous=401))],
    "api.me_certificates": [GET("/api/v1/me/certificates", roles(200, anonymous=401))],
    # --- assessments ---------------------------------------------------------------------------
    "assessments.index": [GET("/assessment", users(200))],
    "assessments.help": [GET("/assessment/help", public())],
    "assessments.start": [POST("/assessment/start", users(400), {"subsector": ""})],
    "assessments.resume": [
        GET("/assessment/{open_run}", own_run(Redirect("/assessment/{open_run}/page/1"))),
        GET("/assessment/{done_run}", own_run(Redirect("/assessment/{done_run}/result")), variant="submitted"),
    ],
    "assessments.page": [
        GET("/assessment/{open_run}/page/1", own_run(200)),
        POST("/assessment/{open_run}/page/1", own_run(400), {"action": "jump"}),
        POST("/assessment/{done_run}/page/1", own_run(403), variant="submitted"),
    ],
    "assessments.review": [GET("/assessment/{open_run}/review", own_run(200))],
    "assessments.submit": [POST("/assessment/{open_run}/submit", own_run(400))],  # 400: questions unanswered
    "assessments.result": [GET("/assessment/{done_run}/result", own_run(200))],
    "assessments.report_pdf": [GET("/assessment/{done_run}/report.pdf", own_run(200))],
    # the owner of a business sees its combined profile; members and users without a business do not
    "assessments.business": [GET("/assessment/business", users(403, learner=200, other_learner=200))],
    # --- learning plan (each user's own; only "learner" has an assessment and a plan) ------------
    "recommendations.plan": [GET("/plan", users(200))],
    # the learner's plan gets the recommended path; the others have no assessment: back to /plan, which says so
    "recommendations.accept": [POST("/plan/accept", users(Redirect("/plan")), changes_data=True)],
    "recommendations.budget": [POST("/plan/budget", roles(404, anonymous=LOGIN, learner=400), {"weekly_hours": "0"})],
    "recommendations.remove": [
        POST("/plan/remove", roles(404, anonymous=LOGIN, learner=Redirect("/plan")), {"code": "not-in-the-plan"})
    ],
    "recommendations.add": [POST("/plan/add", roles(404, anonymous=LOGIN, learner=400), {"code": "not-recommended"})],
    # --- frameworks and target profiles --------------------------------------------------------
    "frameworks.index": [GET("/competences", public())],
    "frameworks.detail": [GET("/competences/digcomp", public())],
    "frameworks.profiles": [GET("/profiles", trainers(200))],
    "frameworks.profile": [
        GET("/profiles/accommodation/owner", trainers(200)),
        # a form loaded before the last change is refused with a message
        POST(
            "/profiles/accommodation/owner", trainers(Redirect("/profiles/accommodation/owner")), {"loaded_at": "stale"}
        ),
    ],
    # --- catalogue (public) --------------------------------------------------------------------
    "catalog.index": [GET("/courses", public())],
    "catalog.module": [
        GET("/courses/pub-mod", public()),
        GET("/courses/draft-mod", public(404), variant="draft"),
        GET("/courses/pub-mod?v=2", public(404), variant="unpublished version"),
    ],
    "catalog.lesson": [
        GET("/courses/pub-mod/lessons/1", public()),
        GET("/courses/draft-mod/lessons/1", public(404), variant="draft"),
    ],
    "catalog.file": [
        GET("/courses/pub-mod/files/{published_sha}", public()),
        GET("/courses/draft-mod/files/{draft_sha}", public(404, trainer=200, admin=200), variant="draft"),
        GET(
            "/courses/pub-mod/files/{unpublished_sha}",
            public(404, trainer=200, admin=200),
            variant="image only in the unpublished version",
        ),
    ],
    # --- authoring (the trainer's draft module "draft-mod") ------------------------------------
    "catalog.authoring": [GET("/authoring", trainers(200))],
    "catalog.create": [GET("/authoring/new", trainers(200)), POST("/authoring/new", trainers(200), {"code": ""})],
    "catalog.manage": [GET(DRAFT, editors(200))],
    "catalog.edit": [GET(DRAFT + "/edit", editors(200)), POST(DRAFT + "/edit", editors(200), {"title": ""})],
    "catalog.new_lesson": [
        GET(DRAFT + "/lessons/new", editors(200)),
        POST(DRAFT + "/lessons/new", editors(200), {"slug": ""}),
    ],
    "catalog.edit_lesson": [
        GET(DRAFT + "/lessons/1", editors(200)),
        POST(DRAFT + "/lessons/1", editors(200), {"title": ""}),
    ],
    "catalog.move_lesson": [POST(DRAFT + "/lessons/1/move", editors(400), {"direction": "sideways"})],
    "catalog.delete_lesson": [POST(DRAFT + "/lessons/2/delete", editors(Redirect(DRAFT)), changes_data=True)],
    "catalog.upload_image": [POST(DRAFT + "/images", editors(Redirect(DRAFT)))],  # no file: a message
    "catalog.delete_image": [POST(DRAFT + "/images/b.png/delete", editors(Redirect(DRAFT)), changes_data=True)],
    "catalog.new_question": [
        GET(DRAFT + "/questions/new", editors(200)),
        POST(DRAFT + "/questions/new", editors(200), {"text": ""}),
    ],
    "catalog.edit_question": [
        GET(DRAFT + "/questions/q1", editors(200)),
        POST(DRAFT + "/questions/q1", editors(200), {"text": ""}),
    ],
    "catalog.delete_question": [
        POST(DRAFT + "/questions/q2/delete", editors(Redirect(DRAFT)), changes_data=True),
    ],
    # "restore" of a module that is not archived is refused with a message
    "catalog.status_action": [POST(DRAFT + "/restore", editors(Redirect(DRAFT)))],
    "catalog.add_editor": [POST(DRAFT + "/editors", editors(Redirect(DRAFT)), {"email": "not-an-address"})],
    "catalog.remove_editor": [
        POST(DRAFT + "/editors/{coeditor_id}/delete", editors(Redirect(DRAFT)), changes_data=True),
    ],
    # --- learning: each learner's own enrolment ("learner" is enrolled in pub-mod with attempt 1 open) -----
    "learning.index": [GET("/learn", users(200))],
    "learning.enrol": [
        POST("/learn/draft-mod/enrol", users(404), variant="a draft is not open"),
        POST("/learn/pub-mod/enrol", users(Redirect("/learn/pub-mod")), changes_data=True),
    ],
    "learning.module": [GET(LEARN, own_enrolment(200))],
    "learning.lesson": [GET(LEARN + "/lessons/1", own_enrolment(200))],
    "learning.mark_read": [POST(LEARN + "/lessons/1/read", own_enrolment(Redirect(LEARN)))],
    "learning.quiz": [GET(LEARN + "/quiz", own_enrolment(200))],
    # the open attempt, not a new one
    "learning.start": [POST(LEARN + "/quiz/start", own_enrolment(Redirect(LEARN + "/quiz/1")))],
    "learning.attempt": [GET(LEARN + "/quiz/1", own_enrolment(200))],
    "learning.save": [POST(LEARN + "/quiz/1/save", own_enrolment(Redirect(LEARN + "/quiz/1")), {"attempt": "1"})],
    # no answer given: the page again, asking for them
    "learning.submit": [POST(LEARN + "/quiz/1/submit", own_enrolment(400), {"attempt": "1"})],
    "learning.result": [GET(LEARN + "/quiz/1/result", own_enrolment(Redirect(LEARN + "/quiz/1")))],
    # --- the trainer's view of their learners ("attendee" is enrolled in pub-mod) -------------------
    "teaching.index": [GET("/teaching", trainers(200))],
    "teaching.module": [
        GET("/teaching/pub-mod", editors(200)),
        GET("/teaching/draft-mod", editors(200), variant="draft, no learners"),
        GET("/teaching/no-such-mod", trainers(404), variant="unknown module"),
    ],
    # pub-mod asks for no attendance: back to the list with a message, nothing changes
    "teaching.attendance": [
        POST(
            "/teaching/pub-mod/enrolments/{pub_enrolment}/attendance",
            editors(Redirect("/teaching/pub-mod")),
            {"attended": "1"},
        ),
        POST(
            "/teaching/draft-mod/enrolments/{pub_enrolment}/attendance",
            editors(404),
            {"attended": "1"},
            variant="another module's enrolment",
        ),
    ],
    "teaching.learners_csv": [GET("/teaching/pub-mod/learners.csv", editors(200))],
    "teaching.questions_csv": [GET("/teaching/pub-mod/questions.csv", editors(200))],
    # --- reports (municipality staff: their own municipality; admins: the one they choose) ----------------
    "reports.index": [
        GET("/reports", staff(200)),
        GET("/reports?territory=vanersborg", staff(200), variant="own municipality"),
        GET("/reports?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
    ],
    "reports.report_pdf": [
        GET("/reports/report.pdf?territory=vanersborg", staff(200)),
        GET("/reports/report.pdf?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/report.pdf", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.compare": [
        GET("/reports/compare", staff(200)),
        GET("/reports/compare?territories=SE_1487", staff(200), variant="own municipality"),
        GET("/reports/compare?territories=SE_1488", staff(200), variant="another municipality: a form error"),
    ],
    "reports.compare_csv": [
        GET("/reports/compare.csv?territories=SE_1487", staff(200)),
        GET("/reports/compare.csv?territories=SE_1488", staff(400, admin=200), variant="another municipality"),
    ],
    "reports.skills_gap_csv": [
        GET("/reports/skills-gap.csv?territory=vanersborg", staff(200)),
        GET("/reports/skills-gap.csv?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/skills-gap.csv", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.training": [
        GET("/reports/training?territory=vanersborg", staff(200)),
        GET("/reports/training?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
    ],
    "reports.training_csv": [
        GET("/reports/training.csv?territory=vanersborg", staff(200)),
        GET("/reports/training.csv?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/training.csv", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.skills_gap_json": [
        GET("/reports/skills-gap.json?territory=vanersborg", staff(200)),
        GET("/reports/skills-gap.json?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/skills-gap.json", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.training_json": [
        GET("/reports/training.json?territory=vanersborg", staff(200)),
        GET("/reports/training.json?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/training.json", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.participation": [
        GET("/reports/participation?territory=vanersborg", staff(200)),
        GET("/reports/participation?territory=trollhattan", staff(403, admin=200), variant="another municipality"),
        GET("/reports/participation", staff(200), variant="admin chose no municipality"),
    ],
    "reports.participation_csv": [
        GET("/reports/participation.csv?territory=vanersborg", staff(200)),
        GET(
            "/reports/participation.csv?territory=trollhattan",
            staff(403, admin=200),
            variant="another municipality",
        ),
        GET("/reports/participation.csv", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.participation_trend_csv": [
        GET("/reports/participation-trend.csv?territory=vanersborg", staff(200)),
        GET(
            "/reports/participation-trend.csv?territory=trollhattan",
            staff(403, admin=200),
            variant="another municipality",
        ),
        GET("/reports/participation-trend.csv", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    "reports.participation_json": [
        GET("/reports/participation.json?territory=vanersborg", staff(200)),
        GET(
            "/reports/participation.json?territory=trollhattan",
            staff(403, admin=200),
            variant="another municipality",
        ),
        GET("/reports/participation.json", staff(200, admin=400), variant="admin chose no municipality"),
    ],
    # --- open data: public pages and files; the world publishes no period, so a dataset is 404 --------------
    "open_data.index": [GET("/open-data", public())],
    "open_data.dataset": [GET("/open-data/SE_1487/2026Q3/", public(404), variant="not published")],
    "open_data.download": [GET("/open-data/SE_1487/2026Q3/skills-gap.csv", public(404), variant="not published")],
    # --- publications and API tokens (staff: their territory and below; admins: all) -----------------------
    "publishing.publish": [
        GET("/reports/publish", staff(200)),
        POST("/reports/publish", staff(200), {"territory": "SE_1487", "period": "junk"}),
    ],
    "publishing.withdraw": [
        POST("/reports/publish/{own_publication}/withdraw", staff(Redirect("/reports/publish")), changes_data=True),
        POST(
            "/reports/publish/{other_publication}/withdraw",
            staff(403, admin=Redirect("/reports/publish")),
            variant="another municipality's",
            changes_data=True,
        ),
    ],
    "publishing.tokens": [
        GET("/reports/tokens", staff(200)),
        POST("/reports/tokens", staff(200), {"name": "", "territory": "SE_1487"}),
    ],
    "publishing.revoke": [
        POST("/reports/tokens/{own_token}/revoke", staff(Redirect("/reports/tokens")), changes_data=True),
        POST(
            "/reports/tokens/{other_token}/revoke",
            staff(403, admin=Redirect("/reports/tokens")),
            variant="another municipality's",
            changes_data=True,
        ),
    ],
    "api.territory_skills_gap": [
        GET("/api/v1/territories/vanersborg/skills-gap", roles(404, staff=200, admin=200)),
        GET("/api/v1/territories/trollhattan/skills-gap", roles(404, admin=200), variant="another municipality"),
        GET(
            "/api/v1/territories/trollhattan/skills-gap?period={published_period}",
            public(),
            variant="a published quarter",
        ),
    ],
    # --- sessions: lists and pages are public; a registration is each user's own ("learner" has a place at
    # {sess_a}, which starts in half an hour; nobody is registered at {sess_b}); the trainer on matrix-provider's
    # staff ("trainer") and admins manage its sessions; owners of a business ("learner", "other_learner") ask for
    # sessions, which the provider's trainers and admins handle -------------------------------------------------
    "sessions.index": [
        GET("/sessions", public()),
        GET("/sessions?format=teleport", public(400), variant="bad filter"),
    ],
    "sessions.show": [
        GET(SESSION, public()),
        GET("/sessions/{sess_b}", public(), variant="nobody registered"),
        GET("/sessions/999999", public(404), variant="unknown session"),
    ],
    # a place the session does not have: refused with a message, nothing written
    "sessions.register": [
        POST("/sessions/{sess_b}/register", users(Redirect("/sessions/{sess_b}")), {"place": "nowhere"})
    ],
    # the learner gives up their place; the others are told they are not registered
    "sessions.cancel": [POST(SESSION + "/cancel", users(Redirect(SESSION)), changes_data=True)],
    "sessions.calendar": [GET(SESSION + "/calendar.ics", roles(404, anonymous=LOGIN, learner=200))],
    "sessions.mine": [GET("/sessions/mine", users(200))],
    "sessions.provider_sessions": [
        GET("/providers/matrix-provider/sessions", public()),
        GET("/providers/no-such-provider/sessions", public(404), variant="unknown provider"),
    ],
    "sessions.new": [
        GET("/providers/matrix-provider/sessions/new", editors(200)),
        POST("/providers/matrix-provider/sessions/new", editors(200), {"format": ""}),
    ],
    "sessions.edit": [GET(SESSION + "/edit", editors(200)), POST(SESSION + "/edit", editors(200), {"format": ""})],
    "sessions.cancel_session": [
        GET(SESSION + "/cancel-session", editors(200)),
        POST(SESSION + "/cancel-session", editors(200), {"reason": ""}),
    ],
    "sessions.participants": [GET(SESSION + "/participants", editors(200))],
    "sessions.mark_attended": [
        POST(
            SESSION + "/participants/{sess_registration}/attended",
            editors(Redirect(SESSION + "/participants")),
            changes_data=True,
        ),
    ],
    "sessions.checkin_code": [GET(SESSION + "/checkin", editors(200))],
    # at the venue: any logged-in user opens the code's page; only a booked participant is recorded
    "sessions.checkin": [
        GET("/sessions/checkin/{checkin_token}", users(200)),
        POST("/sessions/checkin/{checkin_token}", users(Redirect(SESSION)), changes_data=True),
        GET("/sessions/checkin/not-a-code", users(404), variant="unknown code"),
    ],
    "sessions.new_checkin_code": [
        POST(SESSION + "/checkin/new", editors(Redirect(SESSION + "/checkin")), changes_data=True),
    ],
    "sessions.trainers": [
        GET("/admin/providers/matrix-provider/trainers", admins(200)),
        POST("/admin/providers/matrix-provider/trainers", admins(200), {"email": "not-an-address"}),
    ],
    "sessions.remove_trainer": [
        POST(
            "/admin/providers/matrix-provider/trainers/{trainer_id}/remove",
            admins(Redirect("/admin/providers/matrix-provider/trainers")),
            changes_data=True,
        ),
    ],
    "sessions.request_session": [
        GET("/sessions/request", roles(403, anonymous=LOGIN, learner=200, other_learner=200)),
        POST("/sessions/request", roles(403, anonymous=LOGIN, learner=200, other_learner=200), {"staff_count": "0"}),
    ],
    "sessions.requests": [GET("/sessions/requests", editors(200))],
    "sessions.request_status": [
        POST("/sessions/requests/{session_request}/status", editors(Redirect("/sessions/requests")), {"status": "x"}),
    ],
}

# (endpoint, method, variant, role) -> why the answer differs from the matrix today.
KNOWN_BUGS: dict[tuple[str, str, str, str], str] = {}


def case_id(endpoint: str, case: Case) -> str:
    return f"{endpoint} {case.method}" + (f" [{case.variant}]" if case.variant else "")


# --- the objects behind the URLs ---------------------------------------------------------------


def build_world(create_user, territory) -> tuple[dict, dict]:
    """One user per role and the objects the URLs point at; returns (users by role, URL values)."""
    from uprest.catalog import editing
    from uprest.catalog import files as catalog_files
    from uprest.catalog import services as catalog
    from uprest.catalog.editing import QuestionData
    from uprest.catalog.models import ModuleFile
    from uprest.learning import quizzes as learning_quizzes
    from uprest.learning import services as learning_services
    from uprest.mail import OutboxMessage
    from uprest.recommendations import services as plan_services

    make_assessment_frameworks()
    people = {
        role: create_user(role=ACCOUNT_ROLE[role], email=f"{role}@example.org") for role in ROLES if role != "anonymous"
    }
    coeditor = create_user(role="trainer", email="coeditor@example.org")

    business = make_business(people["learner"], "Hotel Vänern")
    make_business(people["other_learner"], "Camping Trollhättan")
    make_member(business, people["employee"])
    _inv, join_token = make_invitation(business)
    inv_revoke, _token = make_invitation(business, "new.colleague@example.org")
    done_run = make_assessment_run(people["learner"], submitted=True)
    # a later assessment with gaps that "pub-mod" closes, and a plan holding a module that is gone: the plan
    # page shows the learner every form (remove, add, budget, accept)
    make_assessment_run(people["learner"], submitted=True, rating=1)
    open_run = make_assessment_run(people["learner"], submitted=False)
    plan_services.accept(people["learner"], ["gone-mod"])

    trainer = people["trainer"]
    published = make_module(trainer, "pub-mod")
    catalog_files.add_image(published, trainer, "map.png", png(2, 2))
    catalog.publish(published)
    catalog_files.add_image(published, trainer, "new.png", png(5, 5))  # goes into a new draft, version 2
    draft = make_module(trainer, "draft-mod")
    editing.save_lesson(draft, trainer, None, "en", "second", "Second lesson", "More.")
    editing.save_question(
        draft, trainer, None, "en", QuestionData("q2", "single", "Again?", ["Yes", "No"], [True, False], "")
    )
    catalog_files.add_image(draft, trainer, "a.png", png(3, 3))
    catalog_files.add_image(draft, trainer, "b.png", png(4, 4))
    catalog.share(draft, coeditor.email)
    attendee = create_user(role="learner", email="attendee@example.org")
    pub_enrolment, _created = learning_services.enrol(attendee, published)
    own, _created = learning_services.enrol(people["learner"], published)
    learning_quizzes.start_attempt(own)
    db.session.commit()

    from uprest.certificates import issuance
    from uprest.certificates import services as certificate_services

    certificate = issuance.issue(
        people["learner"],
        f"enrolment:{own.id}",
        "module",
        lambda code, now: issuance.module_data(people["learner"], own, code, now),
        published,
    )
    certificate_services.pdf_of(certificate)  # rendered: the verification page shows its upload check
    db.session.commit()

    from uprest.xapi import services as xapi_services

    lrs_client, _secret = xapi_services.create_client("Matrix LRS")
    db.session.commit()

    from uprest.providers import services as provider_services

    matrix_provider = provider_services.create("matrix-provider", name="Matrix provider", kind="other", country="SE")
    db.session.commit()
    sessions = _sessions_world(people, matrix_provider, published)

    from uprest.extensions import utcnow
    from uprest.reports import publication as report_publication

    period = report_publication.publishable_periods(utcnow())[-1]  # not the quarter the open-data cells ask for
    own_publication = report_publication.publish(territory("vanersborg"), period, people["staff"])
    other_publication = report_publication.publish(territory("trollhattan"), period, people["admin"])
    _raw, own_token = report_publication.create_token(people["staff"], territory("vanersborg"), "Matrix")
    _raw, other_token = report_publication.create_token(people["admin"], territory("trollhattan"), "Other")
    db.session.commit()

    reset_token = make_reset_token(people["learner"])
    confirm_token = make_pending_registration("newcomer@example.org")

    def sha(module, name):
        version = catalog.working_version(module)
        return db.session.get(ModuleFile, catalog.file_for_name(version, name).file_id).sha256

    values = {
        "learner_id": people["learner"].id,
        "employee_id": people["employee"].id,
        "coeditor_id": coeditor.id,
        "territory_id": territory("vanersborg").id,
        "message_id": db.session.scalar(db.select(db.func.min(OutboxMessage.id))),
        "join_token": join_token,
        "inv_revoke": inv_revoke.id,
        "reset_token": reset_token,
        "confirm_token": confirm_token,
        "done_run": done_run.id,
        "open_run": open_run.id,
        "published_sha": sha(published, "map.png"),
        "draft_sha": sha(draft, "a.png"),
        "unpublished_sha": sha(published, "new.png"),
        "lrs_client_id": lrs_client.id,
        "pub_enrolment": pub_enrolment.id,
        "cert_code": certificate.code,
        "published_period": period,
        "own_publication": own_publication.id,
        "other_publication": other_publication.id,
        "own_token": own_token.id,
        "other_token": other_token.id,
        **sessions,
    }
    return people, values


def _sessions_world(people, provider, module) -> dict:
    """The trainer on the provider's staff; a session starting in half an hour where the learner has a place
    (check-in and attendance are open), a hybrid one in ten days with nobody registered, and the learner's
    request for a session of the published module."""
    from datetime import timedelta

    from uprest.extensions import utcnow
    from uprest.sessions import demand, registrations, staff
    from uprest.sessions import services as session_services
    from uprest.sessions.rules import VenueData

    staff.add_staff(provider, people["trainer"], people["admin"])
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=30)
    hall = VenueData(name="Matrix hall", town="Vänersborg", country="SE", timezone="Europe/Stockholm", seats=5)
    planned = {
        key: session_services.create_session(
            people["trainer"],
            provider,
            title={"en": f"Matrix session {key}"},
            format=fmt,
            language="en",
            timezone="Europe/Stockholm",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venues=[hall],
        )
        for key, fmt, start in (("a", "onsite", soon), ("b", "hybrid", soon + timedelta(days=10)))
    }
    registration = registrations.register(people["learner"], planned["a"], planned["a"].venues[0])
    request = demand.request_session(people["learner"], module, staff_count=3, language="en")
    db.session.commit()
    return {
        "sess_a": planned["a"].id,
        "sess_b": planned["b"].id,
        "sess_registration": registration.id,
        "checkin_token": planned["a"].checkin_token,
        "trainer_id": people["trainer"].id,
        "session_request": request.id,
    }


# --- running a case ----------------------------------------------------------------------------


def fill(expected, values):
    return Redirect(expected.path.format(**values)) if isinstance(expected, Redirect) else expected


def answer(resp):
    """What the response says, in the matrix's terms: a status code, or a redirect's target path."""
    if resp.status_code == 302:
        return Redirect(urlsplit(resp.headers["Location"]).path)
    return resp.status_code


class Actor:
    """A test client acting as one role, with the CSRF token of its session."""

    def __init__(self, app, role, people):
        self.app = app
        self.role = role
        self.user = people.get(role)
        self.log_in()

    def log_in(self):
        self.client = self.app.test_client()  # a fresh browser, whoever the last case left logged in
        if self.user is not None:
            assert login(self.client, self.user.email).status_code == 302
        self.token = csrf_token(self.client, "/privacy")

    def run(self, case: Case, values: dict):
        url = case.url.format(**values)
        if case.method == "GET":
            resp = self.client.get(url)
        else:
            resp = self.client.post(url, data={**case.data, "csrf_token": self.token})
        if case.ends_session:
            self.log_in()
        return resp


def cells():
    for endpoint, cases in MATRIX.items():
        for case in cases:
            yield endpoint, case


# --- the tests ---------------------------------------------------------------------------------


def test_every_route_has_rules(app):
    """Every endpoint and method of app.url_map has a matrix entry (or is exempt), and no entry is stale."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in EXEMPT
    }
    covered = {(endpoint, case.method) for endpoint, case in cells()}
    assert sorted(routes - covered) == [], "routes without authorization rules: add them to MATRIX"
    assert sorted(covered - routes) == [], "MATRIX entries for routes that no longer exist"
    assert set(EXEMPT) <= {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint, case in cells():
        assert set(case.expect) == set(ROLES), case_id(endpoint, case)
    for endpoint, method, variant, role in KNOWN_BUGS:
        assert any(e == endpoint and c.method == method and c.variant == variant for e, c in cells())
        assert role in ROLES


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, create_user, territory, role):
    """Each role gets exactly the answer the matrix states on every route (GET and POST with a valid token)."""
    people, values = build_world(create_user, territory)
    actor = Actor(app, role, people)
    ordered = sorted(cells(), key=lambda cell: cell[1].changes_data)  # stable: read-only cases first
    wrong = []
    for endpoint, case in ordered:
        if (endpoint, case.method, case.variant, role) in KNOWN_BUGS:
            continue
        expected = fill(case.expect[role], values)
        got = answer(actor.run(case, values))
        if got != expected:
            wrong.append(f"{case_id(endpoint, case)} {case.url.format(**values)}: expected {expected!r}, got {got!r}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "endpoint, method, variant, role",
    [
        pytest.param(*key, marks=pytest.mark.xfail(strict=True, reason=reason), id="-".join(filter(None, key)))
        for key, reason in KNOWN_BUGS.items()
    ]
    or [pytest.param(None, None, None, None, marks=pytest.mark.skip(reason="no known authorization bug"))],
)
def test_known_authorization_bugs(app, create_user, territory, endpoint, method, variant, role):
    """A cell of KNOWN_BUGS answers what the matrix says it should (fails until the bug is fixed)."""
    people, values = build_world(create_user, territory)
    (case,) = [c for c in MATRIX[endpoint] if c.method == method and c.variant == variant]
    resp = Actor(app, role, people).run(case, values)
    assert answer(resp) == fill(case.expect[role], values)


def test_undeclared_method_is_405(app):
    """A method a route does not declare (GET on a POST-only route, POST on a GET-only one) answers 405."""
    client = app.test_client()
    token = csrf_token(client, "/privacy")
    placeholders = _Placeholders()
    declared = {}
    for rule in app.url_map.iter_rules():
        declared.setdefault(rule.endpoint, set()).update(rule.methods)
    wrong = []
    for endpoint, cases in MATRIX.items():
        url = cases[0].url.format_map(placeholders)
        for method in {"GET", "POST"} - declared[endpoint]:
            resp = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            if resp.status_code != 405:
                wrong.append(f"{method} {url} ({endpoint}): {resp.status_code}")
    assert wrong == []


class _Placeholders(dict):
    """Any URL value: routing alone decides a 405."""

    def __missing__(self, key):
        return "1"
