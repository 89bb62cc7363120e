"""The trainers on a provider's staff: they manage its sessions (with the administrators, who choose them).

Services flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select

from uprest.accounts.models import Role, User
from uprest.extensions import db, insert_once
from uprest.providers.models import Provider
from uprest.sessions.models import ProviderStaff
from uprest.sessions.services import SessionError, staff_row


def add_staff(provider: Provider, user: User, by: User) -> bool:
    """Put a trainer on the provider's staff (admins only); False when they were already."""
    if not by.is_admin:
        raise SessionError(_("Only administrators choose a provider's trainers."))
    if user.role != Role.TRAINER:
        raise SessionError(_("%(name)s is not a trainer.", name=user.name))
    _row, created = insert_once(
        ProviderStaff(provider_id=provider.id, user_id=user.id), lambda: staff_row(provider.id, user.id)
    )
    return created


def remove_staff(provider: Provider, user: User, by: User) -> bool:
    if not by.is_admin:
        raise SessionError(_("Only administrators choose a provider's trainers."))
    deleted = db.session.execute(
        db.delete(ProviderStaff).where(ProviderStaff.provider_id == provider.id, ProviderStaff.user_id == user.id)
    ).rowcount
    db.session.flush()
    return bool(deleted)


def staff_of(provider: Provider) -> Select:
    """The trainers on the provider's staff, by name (a select of users)."""
    return (
        db.select(User)
        .join(ProviderStaff, ProviderStaff.user_id == User.id)
        .where(ProviderStaff.provider_id == provider.id)
        .order_by(User.name, User.id)
    )


def providers_of(user: User) -> Select:
    """The providers whose sessions `user` manages: every one for admins (a select of providers)."""
    stmt = db.select(Provider).order_by(Provider.name, Provider.id)
    if user.is_admin:
        return stmt
    return stmt.join(ProviderStaff, ProviderStaff.provider_id == Provider.id).where(ProviderStaff.user_id == user.id)
