"""Account business rules. They flush, never commit: the caller commits."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import (
    Invitation,
    Municipality,
    Organisation,
    PasswordResetToken,
    Role,
    User,
)
from uprest.extensions import db, utcnow
from uprest.mail import send_mail
from uprest.registry import Card
from uprest.security import hash_password, new_token, password_needs_rehash, token_hash, verify_password

SEED_MUNICIPALITIES = [
    ("vanersborg", "Vänersborg", "SE"),
    ("trollhattan", "Trollhättan", "SE"),
    ("cervia", "Cervia", "IT"),
    ("ravenna", "Ravenna", "IT"),
    ("pori", "Pori", "FI"),
    ("kvarner", "Kvarner region", "HR"),
]


class AccountError(Exception):
    """A rule was broken; the message is translated and safe to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: 'id:version'; an outdated version means the session was ended."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_active_account:
        return None
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def ensure_municipalities() -> int:
    """Create the seeded municipalities that are missing. Returns how many were created."""
    existing = set(db.session.scalars(db.select(Municipality.code)))
    created = 0
    for code, name, country in SEED_MUNICIPALITIES:
        if code not in existing:
            db.session.add(Municipality(code=code, name=name, country=country))
            created += 1
    db.session.flush()
    return created


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    municipality_id: int | None,
    role: str = Role.LEARNER,
) -> User:
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        locale=locale,
        role=str(role),
        municipality_id=municipality_id,
        privacy_accepted_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:  # a parallel request registered the same address first
        raise AccountError(_l("An account with this e-mail address already exists.")) from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user when the password matches; the same work is done for unknown e-mails."""
    user = user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active_account:
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of the user (they carry the old version)."""
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.refresh(user)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("Your current password is not correct."))
    user.password_hash = hash_password(new)
    db.session.flush()
    end_sessions(user)


def update_profile(user: User, *, name: str, locale: str, municipality_id: int | None) -> None:
    user.name = name.strip()
    user.locale = locale
    user.municipality_id = municipality_id
    db.session.flush()


# --- password reset -----------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Send a single-use link if the account exists; say nothing either way."""
    user = user_by_email(email)
    if user is None or not user.is_active_account:
        return
    token, digest = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
    link = external_url("accounts.reset_password", token=token)
    send_mail(
        user.email,
        _l("Reset your UPREST password"),
        "email/password_reset.txt",
        locale=user.locale,
        secrets=(link,),
        user=user,
        link=link,
        hours=hours,
    )


def reset_token_user(token: str) -> PasswordResetToken | None:
    row = db.session.scalar(db.select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def reset_password(token: str, new_password: str) -> User:
    """Use the token exactly once (a conditional update wins the race) and set the password."""
    row = reset_token_user(token)
    if row is None:
        raise AccountError(_l("This password reset link is invalid, used or expired. Please ask for a new one."))
    result = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise AccountError(_l("This password reset link is invalid, used or expired. Please ask for a new one."))
    user = row.user
    user.password_hash = hash_password(new_password)
    db.session.flush()
    end_sessions(user)
    return user


def external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# --- organisations and invitations --------------------------------------------


def create_organisation(owner: User, *, name: str, subsector: str, size: str, municipality_id: int) -> Organisation:
    if owner.organisation_id is not None:
        raise AccountError(_l("You already belong to a business. Leave it before creating another."))
    org = Organisation(
        name=name.strip(), subsector=subsector, size=size, municipality_id=municipality_id, owner_id=owner.id
    )
    db.session.add(org)
    db.session.flush()
    owner.organisation_id = org.id
    owner.job_role = "owner"
    owner.shares_with_organisation = True
    db.session.flush()
    return org


def update_organisation(org: Organisation, *, name: str, subsector: str, size: str, municipality_id: int) -> None:
    org.name = name.strip()
    org.subsector = subsector
    org.size = size
    org.municipality_id = municipality_id
    db.session.flush()


def create_invitation(org: Organisation, by: User, email: str | None = None) -> tuple[Invitation, str]:
    token, digest = new_token()
    days = current_app.config["INVITATION_DAYS"]
    inv = Invitation(
        organisation_id=org.id,
        token_hash=digest,
        email=normalise_email(email) if email else None,
        created_by_id=by.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(inv)
    db.session.flush()
    if email:
        link = external_url("accounts.accept_invitation", token=token)
        send_mail(
            inv.email,
            _l("You are invited to join %(org)s on UPREST", org=org.name),
            "email/invitation.txt",
            locale=by.locale,
            secrets=(link,),
            org=org,
            inviter=by,
            link=link,
            days=days,
        )
    return inv, token


def invitation_by_token(token: str) -> Invitation | None:
    inv = db.session.scalar(db.select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if inv is None or not inv.is_open:
        return None
    return inv


def accept_invitation(token: str, user: User) -> Organisation:
    inv = invitation_by_token(token)
    if inv is None:
        raise AccountError(_l("This invitation is invalid, used or expired. Ask the business owner for a new link."))
    if user.organisation_id == inv.organisation_id:
        raise AccountError(_l("You are already a member of this business."))
    if user.organisation_id is not None:
        raise AccountError(_l("You already belong to a business. Leave it before joining another."))
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == inv.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
    )
    if result.rowcount != 1:
        raise AccountError(_l("This invitation is invalid, used or expired. Ask the business owner for a new link."))
    user.organisation_id = inv.organisation_id
    user.job_role = "staff"
    db.session.flush()
    return inv.organisation


def members_of(org: Organisation) -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.organisation_id == org.id).order_by(User.name)))


def member_of(org: Organisation, user_id: int) -> User | None:
    """The member `user_id` of the business, or None (also when the user belongs elsewhere)."""
    return db.session.scalar(db.select(User).where(User.id == user_id, User.organisation_id == org.id))


def invitations_of(org: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            db.select(Invitation).where(Invitation.organisation_id == org.id).order_by(Invitation.created_at.desc())
        )
    )


def invitation_of(org: Organisation, inv_id: int) -> Invitation | None:
    """The invitation `inv_id` of the business, or None (also when it belongs to another business)."""
    return db.session.scalar(db.select(Invitation).where(Invitation.id == inv_id, Invitation.organisation_id == org.id))


def revoke_invitation(inv: Invitation) -> None:
    if inv.used_at is None and inv.revoked_at is None:
        inv.revoked_at = utcnow()
        db.session.flush()


def remove_member(org: Organisation, member: User) -> None:
    if member.id == org.owner_id:
        raise AccountError(_l("The owner cannot be removed from the business."))
    if member.organisation_id != org.id:
        raise AccountError(_l("This person is not a member of your business."))
    member.organisation_id = None
    member.shares_with_organisation = False
    member.job_role = "staff"
    db.session.flush()


def leave_organisation(user: User) -> None:
    org = user.organisation
    if org is None:
        return
    if org.owner_id == user.id:
        raise AccountError(_l("As the owner you cannot leave your business."))
    remove_member(org, user)


def set_sharing(user: User, share: bool) -> None:
    user.shares_with_organisation = bool(share and user.organisation_id is not None)
    db.session.flush()


# --- administration ----------------------------------------------------------


def set_role(user: User, *, role: str, municipality_id: int | None, is_active: bool, actor: User) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(_l("Unknown role."))
    if role == Role.STAFF and municipality_id is None:
        raise AccountError(_l("Municipality staff must be bound to a municipality."))
    if user.id == actor.id and (role != Role.ADMIN or not is_active):
        raise AccountError(_l("You cannot remove your own administrator rights or deactivate yourself."))
    changed_access = user.role != role or user.is_active_account != is_active
    user.role = role
    user.municipality_id = municipality_id
    user.is_active_account = is_active
    db.session.flush()
    if changed_access:
        end_sessions(user)


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def municipality_by_id(mid: int) -> Municipality | None:
    return db.session.get(Municipality, mid)


def municipalities_with_counts() -> list[tuple[Municipality, int]]:
    """Every municipality with the number of its users, by country and name."""
    return [
        tuple(row)
        for row in db.session.execute(
            db.select(Municipality, func.count(User.id))
            .outerjoin(User, User.municipality_id == Municipality.id)
            .group_by(Municipality.id)
            .order_by(Municipality.country, Municipality.name)
        )
    ]


def save_municipality(muni: Municipality | None, *, code: str, name: str, country: str) -> Municipality:
    """Add a municipality (muni=None) or change one. Raises AccountError when the code is taken."""
    try:
        with db.session.begin_nested():
            if muni is None:
                muni = Municipality(code=code, name=name.strip(), country=country)
                db.session.add(muni)
            else:
                muni.code, muni.name, muni.country = code, name.strip(), country
    except IntegrityError:
        raise AccountError(_l("A municipality with this code already exists.")) from None
    return muni


def user_search(q: str | None = None, role: str | None = None):
    stmt = db.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(db.or_(func.lower(User.name).like(like), User.email.like(like)))
    if role:
        stmt = stmt.where(User.role == role)
    return stmt


# --- events from other features ----------------------------------------------------


def notify_owner_of_assessment(sender, *, user: User, **_event) -> None:
    """Receiver of ``assessment_submitted``: when a member who shares results with the business submits
    an assessment, the owner gets a mail pointing to the combined profile. Flushes, never commits."""
    org = user.organisation
    if org is None or not user.shares_with_organisation or org.owner is None or org.owner_id == user.id:
        return
    owner = org.owner
    send_mail(
        owner.email,
        _l("New skills results in %(business)s", business=org.name),
        "email/member_assessed.txt",
        locale=owner.locale,
        owner=owner,
        member=user,
        org=org,
        link=external_url("assessments.business"),
    )


# --- the home page -----------------------------------------------------------------


def dashboard_cards(user: User) -> list[Card]:
    """The account, and the business (for learners, admins and members of a business)."""
    cards = [
        Card(
            _l("Your account"),
            _l("Your name, language and municipality."),
            url_for("accounts.profile"),
            _l("Open your profile"),
        )
    ]
    if user.organisation_id:
        cards.append(
            Card(
                _l("Your business"),
                _l("See the members of your business and invite staff."),
                url_for("accounts.business"),
                _l("Open your business"),
            )
        )
    elif user.role in (Role.LEARNER, Role.ADMIN):
        cards.append(
            Card(
                _l("Your business"),
                _l("Register your tourism business to invite your staff and compare skills."),
                url_for("accounts.business"),
                _l("Register a business"),
            )
        )
    return cards


# --- the user's own data (GDPR access and erasure) ------------------------------


def export_user_data(user: User) -> dict:
    """Everything we hold about the user, as plain data; features add their part via `export_user_data`."""
    from uprest.registry import hooks

    data = {
        "profile": {
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "role": user.role,
            "municipality": user.municipality.name if user.municipality else None,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "privacy_accepted_at": user.privacy_accepted_at.isoformat() if user.privacy_accepted_at else None,
        },
        "business": None,
    }
    if user.organisation:
        data["business"] = {
            "name": user.organisation.name,
            "role": "owner" if user.is_owner else "staff",
            "shares_results_with_owner": user.shares_with_organisation,
        }
    for provider in hooks("export_user_data"):
        data.update(provider(user))
    return data


def delete_account(user: User, password: str) -> None:
    """Erase the person: personal data of features is deleted by their `erase_user_data`, the account row is
    anonymised (kept only so that anonymous totals and foreign keys stay valid) and every session ends."""
    from uprest.registry import hooks

    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your current password is not correct."))
    org = user.organisation
    if org is not None and org.owner_id == user.id:
        others = db.session.scalar(
            db.select(func.count(User.id)).where(User.organisation_id == org.id, User.id != user.id)
        )
        if others:
            raise AccountError(_l("Your business still has members. Remove them before deleting your account."))
        org.owner_id = None
    for eraser in hooks("erase_user_data"):
        eraser(user)
    db.session.execute(db.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    user.name = _l("Deleted user").__str__()
    user.email = f"deleted-{user.id}@invalid.uprest"
    user.password_hash = hash_password(new_token()[0])
    user.is_active_account = False
    user.organisation_id = None
    user.shares_with_organisation = False
    db.session.flush()
    end_sessions(user)
