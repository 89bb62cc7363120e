"""Account business rules. They flush, never commit: the caller commits."""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import (
    Invitation,
    Organisation,
    PasswordResetToken,
    PendingRegistration,
    Role,
    User,
)
from uprest.extensions import db, utcnow
from uprest.mail import OutboxMessage, mail_domain, send_mail
from uprest.security import (
    external_url,
    hash_password,
    is_safe_next,
    new_token,
    password_needs_rehash,
    token_hash,
    verify_password,
)


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


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    territory_id: int | None,
    role: str = Role.LEARNER,
) -> User:
    """Create an account at once (the CLI, the demo data, tests). People registering on the site go through
    ``start_registration`` and ``confirm_registration``, which prove that they read the address's mail."""
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        locale=locale,
        role=str(role),
        territory_id=territory_id,
        privacy_accepted_at=utcnow(),
    )
    return _insert_user(user, _l("An account with this e-mail address already exists."))


def _insert_user(user: User, taken) -> User:
    """Add the account; when the address was taken meanwhile (the unique constraint), raise `taken`."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:  # a parallel request registered the same address first
        raise AccountError(taken) from None
    return user


# --- registration: the account exists once its address is confirmed ------------------------


def start_registration(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    territory_id: int | None,
    next_path: str | None = None,
) -> None:
    """Begin a registration, with the same answer and the same work whether or not the address has an account.

    A new address gets a single-use link (valid REGISTRATION_HOURS) that creates the account and logs in; the
    details wait in a PendingRegistration until then, so an address is never taken by someone who cannot read
    its mail. The owner of an address that has an account gets a mail saying someone tried to register with
    it, with links to log in and to reset the password; nothing else happens. Flushes, never commits."""
    email = normalise_email(email)
    password_hash = hash_password(password)  # also for a taken address: both cost one argon2id hash
    token, digest = new_token()
    purge_expired_registrations()
    owner = user_by_email(email)
    if owner is not None:
        if owner.is_active_account:
            send_mail(
                owner.email,
                _l("Someone tried to create a UPREST account with your address"),
                "email/registration_exists.txt",
                locale=owner.locale,
                user=owner,
                login_link=external_url("accounts.login"),
                reset_link=external_url("accounts.forgot_password"),
            )
        return
    hours = current_app.config["REGISTRATION_HOURS"]
    db.session.add(
        PendingRegistration(
            email=email,
            token_hash=digest,
            name=name.strip(),
            password_hash=password_hash,
            locale=locale,
            territory_id=territory_id,
            next_path=next_path if is_safe_next(next_path) and len(next_path) <= 500 else None,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    db.session.flush()
    link = external_url("accounts.confirm_registration", token=token)
    send_mail(
        email,
        _l("Confirm your e-mail address for UPREST"),
        "email/registration_confirm.txt",
        locale=locale,
        secrets=(link,),
        name=name.strip(),
        link=link,
        hours=hours,
    )


def purge_expired_registrations() -> int:
    """Delete the registrations whose link has expired (their details are kept no longer). Flushes."""
    count = db.session.execute(delete(PendingRegistration).where(PendingRegistration.expires_at <= utcnow())).rowcount
    db.session.flush()
    return count


def pending_registration(token: str) -> PendingRegistration | None:
    """The open registration of a confirmation link, or None (unknown or expired)."""
    row = db.session.scalar(db.select(PendingRegistration).where(PendingRegistration.token_hash == token_hash(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def confirm_registration(token: str) -> tuple[User, str | None]:
    """Create the account of a confirmation link, exactly once, and end every other registration of the
    address. Two links of one address followed at once: the first takes the lock on the address's pending
    registrations (in id order, so no deadlock) and creates the account; the second then finds its own
    registration gone. Returns the user and where to go next (a local path or None)."""
    invalid = _l("This confirmation link is invalid, used or expired. Please register again.")
    row = pending_registration(token)
    if row is None:
        raise AccountError(invalid)
    data = {
        "name": row.name,
        "email": row.email,
        "password_hash": row.password_hash,
        "locale": row.locale,
        "territory_id": row.territory_id,
        "privacy_accepted_at": row.created_at,
    }
    row_id, next_path = row.id, row.next_path
    db.session.expunge(row)
    of_address = PendingRegistration.email == data["email"]
    locked = db.session.scalars(
        db.select(PendingRegistration.id).where(of_address).order_by(PendingRegistration.id).with_for_update()
    ).all()
    if row_id not in locked:
        raise AccountError(invalid)
    db.session.execute(delete(PendingRegistration).where(of_address).execution_options(synchronize_session=False))
    taken = _l("An account with this e-mail address already exists. Log in, or reset your password if you forgot it.")
    if user_by_email(data["email"]) is not None:
        raise AccountError(taken)
    user = _insert_user(User(role=Role.LEARNER.value, **data), taken)
    return user, next_path


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


def set_password(user: User, new: str) -> None:
    """The one way a password changes: every reset link of the account and every session end with the old one."""
    user.password_hash = hash_password(new)
    db.session.flush()
    end_reset_tokens(user.id)
    end_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("Your current password is not correct."))
    set_password(user, new)


def update_profile(user: User, *, name: str, locale: str, territory_id: int | None) -> None:
    """Name, language and municipality. Municipality staff are bound to theirs by an administrator
    (``set_role``): they cannot change or clear it here."""
    if user.role == Role.STAFF and territory_id != user.territory_id:
        raise AccountError(_l("Only an administrator can change the municipality of municipality staff."))
    user.name = name.strip()
    user.locale = locale
    user.territory_id = territory_id
    db.session.flush()


# --- password reset -----------------------------------------------------------


def end_reset_tokens(user_id: int | None) -> None:
    """Delete every reset token of the account: a newer link, a used one or a new password ends all the
    others. (None matches no account: the same statement for an unknown address.) Flushes."""
    db.session.execute(
        delete(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Send a single-use link if the account exists, ending its older links; say nothing either way.

    An unknown address costs the same work, so that the time of the answer does not tell whether an account
    exists: a token is made and hashed, the delete of older tokens runs, the mail is rendered and written to
    the outbox, in a savepoint that is then rolled back (nothing is stored or sent, but the database does the
    same writing and the commit the same flush). Measured in bench/forgot_timing.py."""
    user = user_by_email(email)
    known = user is not None and user.is_active_account
    token, digest = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    end_reset_tokens(user.id if known else None)
    link = external_url("accounts.reset_password", token=token)
    if not known:
        _write_and_undo_reset_mail(email, link, hours)
        return
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
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


def _write_and_undo_reset_mail(email: str, link: str, hours: int) -> None:
    """The work of a reset mail for an address without an account: rendered and written, then undone."""
    with force_locale("en"):
        subject = str(_l("Reset your UPREST password"))
        body = render_template("email/password_reset.txt", user=User(name="", email=email), link=link, hours=hours)
    with db.session.begin_nested() as savepoint:
        db.session.add(
            OutboxMessage(
                to_address=email,
                subject=subject,
                body_text=body,
                message_id=make_msgid(domain=mail_domain()),
                secrets=[link],
            )
        )
        db.session.flush()
        savepoint.rollback()


def reset_token_user(token: str) -> PasswordResetToken | None:
    row = db.session.scalar(db.select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.user.is_active_account:
        return None
    return row


def reset_password(token: str, new_password: str) -> User:
    """Use the token exactly once (a conditional update wins the race) and set the password, which ends every
    other link of the account. The account's links are locked first, in id order, so that two links used at
    once wait for each other instead of deadlocking."""
    row = reset_token_user(token)
    if row is None:
        raise AccountError(_l("This password reset link is invalid, used or expired. Please ask for a new one."))
    db.session.scalars(
        db.select(PasswordResetToken.id)
        .where(PasswordResetToken.user_id == row.user_id)
        .order_by(PasswordResetToken.id)
        .with_for_update()
    ).all()
    result = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise AccountError(_l("This password reset link is invalid, used or expired. Please ask for a new one."))
    user = row.user
    set_password(user, new_password)  # ends every other link of the account (the used one is gone too)
    return user


# --- organisations and invitations --------------------------------------------


def create_organisation(owner: User, *, name: str, subsector: str, size: str, territory_id: int) -> Organisation:
    if owner.organisation_id is not None:
        raise AccountError(_l("You already belong to a business. Leave it before creating another."))
    org = Organisation(name=name.strip(), subsector=subsector, size=size, territory_id=territory_id, owner_id=owner.id)
    db.session.add(org)
    db.session.flush()
    owner.organisation_id = org.id
    owner.job_role = "owner"
    owner.shares_with_organisation = True
    db.session.flush()
    return org


def update_organisation(org: Organisation, *, name: str, subsector: str, size: str, territory_id: int) -> None:
    org.name = name.strip()
    org.subsector = subsector
    org.size = size
    org.territory_id = territory_id
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


WRONG_ADDRESS = _l(
    "This invitation was sent to another e-mail address. Log in with the account of that address to accept it, "
    "or ask the business owner to invite your address."
)


def invitation_is_for(inv: Invitation, user: User) -> bool:
    """An invitation sent to an address is for the account of that address only; one without an address is a
    link for anyone who has it."""
    return inv.email is None or inv.email == normalise_email(user.email)


def accept_invitation(token: str, user: User) -> Organisation:
    inv = invitation_by_token(token)
    if inv is None:
        raise AccountError(_l("This invitation is invalid, used or expired. Ask the business owner for a new link."))
    if not invitation_is_for(inv, user):
        raise AccountError(WRONG_ADDRESS)
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


def set_role(user: User, *, role: str, territory_id: int | None, is_active: bool, actor: User) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(_l("Unknown role."))
    if role == Role.STAFF and territory_id is None:
        raise AccountError(_l("Municipality staff must be bound to a municipality."))
    if user.id == actor.id and (role != Role.ADMIN or not is_active):
        raise AccountError(_l("You cannot remove your own administrator rights or deactivate yourself."))
    changed_access = user.role != role or user.is_active_account != is_active
    user.role = role
    user.territory_id = territory_id
    user.is_active_account = is_active
    db.session.flush()
    if changed_access:
        end_sessions(user)


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def user_search(q: str | None = None, role: str | None = None):
    stmt = db.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(db.or_(func.lower(User.name).like(like), User.email.like(like)))
    if role:
        stmt = stmt.where(User.role == role)
    return stmt
