"""Register, log in/out, profile, password reset, businesses and invitations."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from uprest.accounts import services, userdata
from uprest.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    OrganisationForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SharingForm,
)
from uprest.accounts.models import Organisation, Role
from uprest.extensions import db, limiter
from uprest.i18n import use_account_locale
from uprest.security import safe_next

bp = Blueprint("accounts", __name__)


def _login_email_key() -> str:
    """Attempts count per account; a request that names none (an empty or non-form body) counts per
    address, so such requests never share one key with each other."""
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return f"login-account:{email}" if email else f"login-address:{get_remote_address()}"


def _start_session(user) -> None:
    """Log `user` in on a fresh session (no session fixation: nothing of the visitor's session is carried
    over but the chosen language), and speak the account's language from here on."""
    lang = session.get("lang")
    session.clear()
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    login_user(user)
    use_account_locale()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER_PER_ADDRESS"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = str(request.accept_languages.best_match(list(current_app.config["LANGUAGES"])) or "en")
        if session.get("lang") in current_app.config["LANGUAGES"]:
            form.locale.data = session["lang"]
    if form.validate_on_submit():
        # The same answer whether or not the address has an account: a mail goes to the address either way.
        services.start_registration(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=form.locale.data,
            territory_id=form.territory_id.data,
            next_path=request.args.get("next"),
        )
        db.session.commit()
        session["registration_sent_to"] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form)


@bp.route("/register/sent")
def registration_sent():
    return render_template("accounts/registration_sent.html", email=session.get("registration_sent_to"))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    pending = services.pending_registration(token)
    if pending is None:
        return render_template("accounts/registration_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user, next_path = services.confirm_registration(token)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for("accounts.login"))
        db.session.commit()
        _start_session(user)
        flash(_("Welcome, %(name)s! Your account has been created.", name=user.name), "success")
        return redirect(safe_next(next_path, url_for("main.home")))
    return render_template("accounts/registration_confirm.html", pending=pending, form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT"], methods=["POST"], key_func=_login_email_key)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.home")))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("The e-mail address or password is not correct."), "error")
        else:
            db.session.commit()
            _start_session(user)  # the message below and what follows are in the account's language
            flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    lang = current_user.locale
    services.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    session["lang"] = lang  # the visitor keeps reading in the language they chose
    flash(_("You have been logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    # Municipality staff see their municipality but cannot change it: an administrator binds them to it.
    bound = current_user.role == Role.STAFF
    form = ProfileForm(obj=current_user, municipality_fixed=bound)
    if request.method == "GET" and not bound:
        form.territory_id.data = current_user.territory_id
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                name=form.name.data,
                locale=form.locale.data,
                territory_id=current_user.territory_id if bound else form.territory_id.data,
            )
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    sharing = SharingForm(share=current_user.shares_with_organisation)
    return render_template("accounts/profile.html", form=form, sharing=sharing)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)  # this session continues with the new version; all others end
            flash(_("Your password has been changed. You have been logged out everywhere else."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/export.json")
@login_required
def export_data():
    data = userdata.export_user_data(current_user)
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=uprest-my-data.json"
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        lang = current_user.locale
        try:
            userdata.delete_account(current_user._get_current_object(), form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            session.clear()
            session["lang"] = lang  # the message and the next page stay in the language just used
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/delete.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            ngettext(
                "If an account exists for that address, we have sent it a link to reset the password. "
                "The link works once and expires in %(num)d hour.",
                "If an account exists for that address, we have sent it a link to reset the password. "
                "The link works once and expires in %(num)d hours.",
                current_app.config["PASSWORD_RESET_HOURS"],
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.reset_token_user(token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return render_template("accounts/reset_invalid.html"), 404
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Please log in with the new password."), "success")
        return redirect(url_for("accounts.login"))  # never the address in a URL (logs, history, Referer)
    return render_template("accounts/reset_password.html", form=form)


# --- the business -------------------------------------------------------------


@bp.route("/business", methods=["GET", "POST"])
@login_required
def business():
    org = current_user.organisation
    if org is None:
        form = OrganisationForm()
        if request.method == "GET" and current_user.territory_id:
            form.territory_id.data = current_user.territory_id
        if form.validate_on_submit():
            try:
                services.create_organisation(
                    current_user,
                    name=form.name.data,
                    subsector=form.subsector.data,
                    size=form.size.data,
                    territory_id=form.territory_id.data,
                )
            except services.AccountError as exc:
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Your business has been created. You can now invite your staff."), "success")
                return redirect(url_for("accounts.business"))
        return render_template("accounts/business_new.html", form=form)

    is_owner = org.owner_id == current_user.id
    form = OrganisationForm(obj=org) if is_owner else None
    if is_owner and form.validate_on_submit():
        services.update_organisation(
            org,
            name=form.name.data,
            subsector=form.subsector.data,
            size=form.size.data,
            territory_id=form.territory_id.data,
        )
        db.session.commit()
        flash(_("The business details have been saved."), "success")
        return redirect(url_for("accounts.business"))
    members = services.members_of(org)
    invitations = services.invitations_of(org) if is_owner else []
    return render_template(
        "accounts/business.html",
        org=org,
        form=form,
        is_owner=is_owner,
        members=members,
        invitations=invitations,
        invite_form=InvitationForm(),
        confirm=ConfirmForm(),
        new_link=session.pop("new_invitation_link", None),
        new_link_email=session.pop("new_invitation_email", None),
    )


def _owned_org() -> Organisation:
    org = current_user.organisation
    if org is None:
        abort(404)
    if org.owner_id != current_user.id:
        abort(403)
    return org


@bp.route("/business/invitations", methods=["POST"])
@login_required
def create_invitation():
    org = _owned_org()
    form = InvitationForm()
    if not form.validate_on_submit():
        for err in form.email.errors:
            flash(str(err), "error")
        return redirect(url_for("accounts.business"))
    inv, token = services.create_invitation(org, current_user, form.email.data or None)
    db.session.commit()
    session["new_invitation_link"] = services.external_url("accounts.accept_invitation", token=token)
    session["new_invitation_email"] = inv.email
    if form.email.data:
        flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
    else:
        flash(_("A new invitation link has been created. Copy it and send it to your colleague."), "success")
    return redirect(url_for("accounts.business"))


@bp.route("/business/invitations/<int:inv_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(inv_id: int):
    org = _owned_org()
    inv = services.invitation_of(org, inv_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_invitation(inv)
    db.session.commit()
    flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("accounts.business"))


@bp.route("/business/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(user_id: int):
    org = _owned_org()
    member = services.member_of(org, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_member(org, member)
    except services.AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is no longer a member of your business.", name=member.name), "success")
    return redirect(url_for("accounts.business"))


@bp.route("/business/leave", methods=["POST"])
@login_required
def leave_business():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.leave_organisation(current_user)
    except services.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.business"))
    db.session.commit()
    flash(_("You have left the business."), "success")
    return redirect(url_for("main.home"))


@bp.route("/account/sharing", methods=["POST"])
@login_required
def sharing():
    form = SharingForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_sharing(current_user, form.share.data)
    db.session.commit()
    flash(_("Your sharing choice has been saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    inv = services.invitation_by_token(token)
    if inv is None:
        return render_template("accounts/invitation_invalid.html"), 404
    if not current_user.is_authenticated:
        return render_template("accounts/invitation_login.html", inv=inv, next_url=request.path)
    if not services.invitation_is_for(inv, current_user):
        return render_template("accounts/invitation_accept.html", inv=inv, form=None, wrong_address=True), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            org = services.accept_invitation(token, current_user)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for("accounts.business"))
        db.session.commit()
        flash(_("You are now a member of %(org)s.", org=org.name), "success")
        return redirect(url_for("accounts.business"))
    return render_template("accounts/invitation_accept.html", inv=inv, form=form)
