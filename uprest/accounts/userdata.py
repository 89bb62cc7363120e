"""The user's own data: the download of everything we hold about them (GDPR access) and the deletion of
their account (erasure; each feature erases its part through its hook)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from uprest.accounts.models import (
    Invitation,
    Organisation,
    PasswordResetToken,
    PendingRegistration,
    User,
)
from uprest.accounts.services import AccountError, end_sessions, members_of
from uprest.extensions import db
from uprest.security import (
    hash_password,
    new_token,
    verify_password,
)

# --- the user's own data (GDPR access and erasure) ------------------------------


def export_user_data(user: User) -> dict:
    """Everything we hold about the user, as plain data: the profile, the business (its details for an owner),
    invitations they wrote or that were addressed to them, password reset requests and the mail sent to them
    (``uprest.mail.export_mail_for``); features add their part via `export_user_data`."""
    from uprest.mail import export_mail_for
    from uprest.registry import hooks

    def when(value):
        return value.isoformat() if value else None

    data = {
        "profile": {
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "role": user.role,
            "municipality": user.territory.name if user.territory else None,
            "created_at": when(user.created_at),
            "last_login_at": when(user.last_login_at),
            "privacy_accepted_at": when(user.privacy_accepted_at),
        },
        "business": None,
    }
    org = user.organisation
    if org:
        data["business"] = {
            "name": org.name,
            "role": "owner" if user.is_owner else "staff",
            "shares_results_with_owner": user.shares_with_organisation,
        }
        if user.is_owner:
            data["business"].update(
                subsector=org.subsector,
                size=org.size,
                municipality=org.territory.name,
                created_at=when(org.created_at),
                members=len(members_of(org)),
            )
    invitations = db.session.scalars(
        db.select(Invitation)
        .where(
            db.or_(
                Invitation.created_by_id == user.id,
                Invitation.email == user.email,
                Invitation.used_by_id == user.id,
            )
        )
        .order_by(Invitation.created_at, Invitation.id)
    ).all()
    data["invitations"] = [
        {
            "business": inv.organisation.name,
            "email": inv.email,
            "created_by_you": inv.created_by_id == user.id,
            "addressed_to_you": inv.email == user.email,
            "used_by_you": inv.used_by_id == user.id,
            "created_at": when(inv.created_at),
            "expires_at": when(inv.expires_at),
            "used_at": when(inv.used_at),
            "revoked_at": when(inv.revoked_at),
        }
        for inv in invitations
    ]
    data["password_resets"] = [
        {"requested_at": when(t.created_at), "expires_at": when(t.expires_at), "used_at": when(t.used_at)}
        for t in db.session.scalars(
            db.select(PasswordResetToken)
            .where(PasswordResetToken.user_id == user.id)
            .order_by(PasswordResetToken.created_at, PasswordResetToken.id)
        )
    ]
    data["mail"] = export_mail_for(user.email)
    for provider in hooks("export_user_data"):
        data.update(provider(user))
    return data


def delete_account(user: User, password: str) -> None:
    """Erase the person (see docs/privacy-data.md). Features delete or unlink their data in their
    `erase_user_data`; the mail to them is deleted and their name and address are erased from mail to others
    (``uprest.mail.erase_mail_for``); invitations they wrote, used or that were addressed to them, their reset
    tokens and any registration waiting for their address are deleted; a business they own is deleted (an
    owner must first remove its members). The account row is anonymised, not deleted: its municipality,
    language and creation date stay for anonymous totals, and foreign keys stay valid. Every session ends."""
    from uprest.mail import erase_mail_for
    from uprest.registry import hooks

    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your current password is not correct."))
    owned = db.session.scalars(db.select(Organisation).where(Organisation.owner_id == user.id)).all()
    for org in owned:
        others = db.session.scalar(
            db.select(func.count(User.id)).where(User.organisation_id == org.id, User.id != user.id)
        )
        if others:
            raise AccountError(_l("Your business still has members. Remove them before deleting your account."))
    for eraser in hooks("erase_user_data"):
        eraser(user)
    erase_mail_for(user.email, name=user.name)
    db.session.execute(
        db.delete(Invitation).where(
            db.or_(
                Invitation.created_by_id == user.id,
                Invitation.used_by_id == user.id,
                Invitation.email == user.email,
            )
        )
    )
    db.session.execute(db.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    db.session.execute(db.delete(PendingRegistration).where(PendingRegistration.email == user.email))
    user.organisation = None
    user.shares_with_organisation = False
    user.job_role = "staff"
    db.session.flush()
    for org in owned:  # nothing else refers to a business: its remaining invitations go with it
        db.session.expire(org, ["invitations", "members"])
        db.session.delete(org)
    user.name = _l("Deleted user").__str__()
    user.email = f"deleted-{user.id}@invalid.uprest"
    user.password_hash = hash_password(new_token()[0])
    user.is_active_account = False
    user.last_login_at = None
    db.session.flush()
    end_sessions(user)
