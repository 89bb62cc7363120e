"""Business owners' requests for a local session of a module for their staff: the training demand that providers
and the municipality see (the municipality's report sets it against the local offer).

Services flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select

from uprest.accounts import territories
from uprest.accounts.models import Role, User
from uprest.catalog import services as catalog
from uprest.catalog.models import Module
from uprest.extensions import db, utcnow
from uprest.sessions import rules
from uprest.sessions.models import ProviderStaff, Session, SessionRequest
from uprest.sessions.services import SessionError, fail_with, require_manager


def request_session(
    user: User,
    module: Module,
    *,
    staff_count: int,
    language: str,
    town: str = "",
    territory_id: int | None = None,
    message: str = "",
) -> SessionRequest:
    """A business owner asks for a local session of a module for `staff_count` of their staff."""
    if not user.is_owner:
        raise SessionError(_("Only the owner of a business can ask for a session for its staff."))
    if catalog.public_module(module.code) is None or module.status != "published":
        raise SessionError(_("Sessions can be planned only for published modules."))
    problems = [p for p in (rules.staff_problem(staff_count),) if p]
    if language not in rules.LANGUAGES:
        problems.append("language")
    fail_with(problems)
    request = SessionRequest(
        user_id=user.id,
        organisation_id=user.organisation_id,
        module_id=module.id,
        staff_count=staff_count,
        language=language,
        town=(town or "").strip()[:120],
        territory_id=territory_id if territory_id is not None else user.organisation.territory_id,
        message=(message or "").strip()[:4000],
    )
    db.session.add(request)
    db.session.flush()
    return request


def requests_stmt(
    *, territory_id: int | None = None, module_id: int | None = None, status: str | None = None
) -> Select:
    """Requests for sessions, newest first, filtered (a select): the demand providers and the municipality see."""
    stmt = db.select(SessionRequest)
    if territory_id is not None:
        stmt = stmt.where(SessionRequest.territory_id.in_(territories.subtree(territory_id)))
    if module_id is not None:
        stmt = stmt.where(SessionRequest.module_id == module_id)
    if status is not None:
        stmt = stmt.where(SessionRequest.status == status)
    return stmt.order_by(SessionRequest.created_at.desc(), SessionRequest.id.desc())


def requests_of(user: User) -> Select:
    """The requests a person made, newest first (a select)."""
    return (
        db.select(SessionRequest)
        .where(SessionRequest.user_id == user.id)
        .order_by(SessionRequest.created_at.desc(), SessionRequest.id.desc())
    )


def request_by_id(request_id: int) -> SessionRequest | None:
    return db.session.get(SessionRequest, request_id)


def can_handle_requests(user: User | None) -> bool:
    """Admins and the trainers on a provider's staff see the requests for sessions and set their status."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active_account:
        return False
    if user.is_admin:
        return True
    on_staff = db.session.scalar(db.select(ProviderStaff.provider_id).where(ProviderStaff.user_id == user.id).limit(1))
    return user.role == Role.TRAINER and on_staff is not None


def set_request_status(request: SessionRequest, by: User, status: str, *, session: Session | None = None) -> None:
    """Mark a request planned (with the session planned for it) or closed; admins and providers' trainers."""
    if not can_handle_requests(by):
        raise SessionError(_("Only administrators and providers' trainers handle requests for sessions."))
    if status not in rules.REQUEST_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if session is not None:
        require_manager(by, session.provider)
    request.status = status
    request.session_id = session.id if session is not None else request.session_id
    request.updated_at = utcnow()
    db.session.flush()
