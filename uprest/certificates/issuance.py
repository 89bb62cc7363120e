"""Issuing certificates: a completed module earns one, a completed learning plan earns one that lists its modules.

Issuance runs inside the request (or command) that completed the module, as a receiver of ``module_completed``:
it freezes what the certificate says (``CertificateData``), takes the row (unique ``subject``: one certificate per
completion, whatever requests race) and signs the Open Badges credential. The PDF is rendered afterwards by the
worker (``render_pending``) or by the first download, so that completing a quiz never waits on WeasyPrint.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from uprest.accounts.models import User
from uprest.catalog import services as catalog
from uprest.catalog.models import ModuleVersion
from uprest.certificates import badges, keys
from uprest.certificates.data import CertificateData, Issuer, Outcome, to_json
from uprest.certificates.models import MODULE, PLAN, Certificate
from uprest.certificates.statuslist import MIN_SIZE, StatusEntry
from uprest.extensions import db, insert_once, utcnow
from uprest.frameworks import services as frameworks
from uprest.i18n import pick, supported
from uprest.learning import services as learning
from uprest.recommendations import services as recommendations
from uprest.security import external_url
from uprest.signals import certificate_issued

#: Crockford's base32: no I, L, O, U (read aloud and typed without confusion).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 20 characters of 5 bits: 100 bits of randomness (at least 80 are required).
CODE_LENGTH = 20
#: Bits per status list; a certificate's bit is its id.
LIST_SIZE = MIN_SIZE


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def verify_url(code: str) -> str:
    return external_url("certificates.verify", code=code)


def status_entry(certificate_id: int) -> StatusEntry:
    """Where the certificate's revocation bit is: list ``id // LIST_SIZE + 1``, bit ``id % LIST_SIZE``."""
    number, index = divmod(certificate_id, LIST_SIZE)
    return StatusEntry(list_url=external_url("certificates.status_list", number=number + 1), index=index)


def platform_issuer() -> Issuer:
    """The organisation that runs the platform (settings ISSUER_*): the awarding body of a plan certificate."""
    config = current_app.config
    return Issuer(
        name=config["ISSUER_NAME"],
        country=config["ISSUER_COUNTRY"],
        region=config["ISSUER_REGION"],
        website=config["ISSUER_WEBSITE"] or "",
        id_url="",
    )


def issuer_of(version: ModuleVersion) -> Issuer:
    """The module's awarding body (its provider record), else the platform."""
    provider = catalog.awarding_body_of(version)
    if provider is None:
        return platform_issuer()
    return Issuer(
        name=provider.name,
        country=provider.country,
        region=provider.region,
        website=provider.website,
        id_url=external_url("providers.profile", slug=provider.slug),
    )


def _outcomes(versions: list[ModuleVersion], lang: str) -> tuple[Outcome, ...]:
    outcomes = [o for v in versions for o in v.outcomes]
    competences = frameworks.competences_by_key({o.competence_key for o in outcomes})
    made = []
    for o in outcomes:
        competence = competences.get(o.competence_key)
        name = f"{competence.code} {pick(competence.name, lang)}" if competence else o.competence_key
        framework = pick(competence.framework.name, lang) if competence else o.competence_key.split(":")[0]
        made.append(Outcome(o.text or {}, name, o.competence_key, framework, o.from_level, o.to_level))
    return tuple(made)


def _in_languages(message) -> dict[str, str]:
    """A message of ours in every language of the site (a language map, like content's texts)."""
    out = {}
    for lang in supported():
        with force_locale(lang):
            out[lang] = message()
    return out


def _titles_of(codes: list[str]) -> tuple[dict, ...]:
    titles = []
    for code in codes:
        module = catalog.module_by_code(code)
        version = catalog.published_version(module) if module else None
        titles.append(dict(version.title) if version else {"en": code})
    return tuple(titles)


def _expiry(version: ModuleVersion, issued: datetime) -> datetime | None:
    months = version.certificate_valid_months
    if not months:
        return None
    year, month = divmod(issued.month - 1 + months, 12)
    day = min(issued.day, 28)  # the same day of the month, kept valid in every month
    return issued.replace(year=issued.year + year, month=month + 1, day=day)


def module_data(user: User, enrolment, code: str, now: datetime) -> CertificateData:
    version: ModuleVersion = enrolment.version
    lang = user.locale or "en"
    summary = learning.summary_of(enrolment)
    plan = recommendations.plan_of(user)
    in_plan = plan is not None and enrolment.module.code in {i.module_code for i in plan.items}
    return CertificateData(
        code=code,
        verify_url=verify_url(code),
        kind=MODULE,
        holder_name=user.name,
        holder_id=f"urn:uuid:{uuid.uuid4()}",
        title=dict(version.title),
        issuer=issuer_of(version),
        issued_at=now,
        outcomes=_outcomes([version], lang),
        workload_hours=version.workload_hours,
        assessment_type=version.assessment_type,
        participation=version.participation,
        quality_assurance=dict(version.quality_assurance or {}),
        description=dict(version.summary or {}),
        ects=version.ects,
        eqf_level=version.eqf_level,
        expires_at=_expiry(version, now),
        prerequisites=_titles_of(list(version.prerequisites or [])),
        grade=f"{summary.best_score} %" if version.has_quiz and summary.best_score is not None else None,
        stacks_into=_in_languages(lambda: _("The learner's learning plan")) if in_plan else None,
        module_code=enrolment.module.code,
        module_version=version.version,
        language=lang,
        is_demo=user.is_demo,
    )


def plan_data(user: User, versions: list[ModuleVersion], codes: list[str], code: str, now: datetime) -> CertificateData:
    lang = user.locale or "en"
    count = len(versions)
    kinds = {v.assessment_type for v in versions}
    forms = {v.participation for v in versions}
    ects = [v.ects for v in versions if v.ects is not None]
    levels = {v.eqf_level for v in versions}
    providers = {catalog.awarding_body_of(v) for v in versions}
    one_provider = providers.pop() if len(providers) == 1 else None
    return CertificateData(
        code=code,
        verify_url=verify_url(code),
        kind=PLAN,
        holder_name=user.name,
        holder_id=f"urn:uuid:{uuid.uuid4()}",
        title=_in_languages(lambda: _("Learning plan of %(num)s modules", num=count)),
        issuer=issuer_of(versions[0]) if one_provider is not None else platform_issuer(),
        issued_at=now,
        outcomes=_outcomes(versions, lang),
        workload_hours=round(sum(v.workload_hours for v in versions), 2),
        assessment_type=kinds.pop() if len(kinds) == 1 else "quiz_and_assignment",
        participation=forms.pop() if len(forms) == 1 else "blended",
        quality_assurance=_in_languages(
            lambda: _("Each module of the plan is quality-assured by its awarding body; see the module certificates.")
        ),
        description=_in_languages(lambda: _("Every module of the learner's learning plan, completed.")),
        ects=round(sum(ects), 2) if len(ects) == count else None,
        eqf_level=levels.pop() if len(levels) == 1 else None,
        parts=tuple(dict(v.title) for v in versions),
        language=lang,
        is_demo=user.is_demo,
    )


def issue(user: User, subject: str, kind: str, build, module=None) -> Certificate | None:
    """Issue the certificate for `subject` unless it exists: `build(code, now)` makes its data. Signs its Open
    Badges credential and sends ``certificate_issued``. Flushes; returns None when it already existed."""
    if db.session.scalar(db.select(Certificate.id).where(Certificate.subject == subject)) is not None:
        return None
    now = utcnow().replace(microsecond=0)
    code = new_code()
    data: CertificateData = build(code, now)
    certificate = Certificate(
        code=code,
        subject=subject,
        kind=kind,
        user_id=user.id,
        module_id=module.id if module is not None else None,
        language=data.language,
        data=to_json(data),
        issued_at=now,
        expires_at=data.expires_at,
    )
    _row, created = insert_once(
        certificate,
        lambda: db.session.scalar(db.select(Certificate).where(Certificate.subject == subject)),
    )
    if not created:  # a parallel completion issued it first
        return None
    with force_locale(data.language):
        base = current_app.config["PUBLIC_BASE_URL"]
        vc = badges.credential(data, issued_by_url=base, status=status_entry(certificate.id))
    certificate.credential = badges.sign(vc, keys.current_signing_key())
    db.session.flush()
    certificate_issued.send(current_app._get_current_object(), user=user, certificate=certificate)
    return certificate


def plan_subject(plan_id: int, codes: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()[:32]
    return f"plan:{plan_id}:{digest}"


def issue_plan_if_done(user: User) -> Certificate | None:
    """The plan certificate, when every module of the learner's plan (two or more) is completed."""
    plan = recommendations.plan_of(user)
    if plan is None:
        return None
    codes = [item.module_code for item in plan.items]
    if len(codes) < 2 or not set(codes) <= set(learning.completed_codes(user)):
        return None
    enrolments = [learning.enrolment_of(user, code) for code in codes]
    versions = [e.version for e in enrolments if e is not None]
    if len(versions) != len(codes):
        return None
    return issue(
        user, plan_subject(plan.id, codes), PLAN, lambda code, now: plan_data(user, versions, codes, code, now)
    )


def on_module_completed(sender, user: User, module, enrolment) -> None:
    """A completed module issues its certificate; the last module of a plan issues the plan's too."""
    issue(user, f"enrolment:{enrolment.id}", MODULE, lambda code, now: module_data(user, enrolment, code, now), module)
    issue_plan_if_done(user)
