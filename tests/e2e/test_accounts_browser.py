"""The account journeys in a real browser, with an accessibility audit of every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def mailed_path(db, email: str, pattern: str) -> str:
    """The path of the link matching `pattern` in the newest mail to `email` (links point at PUBLIC_BASE_URL,
    the browser tests run on another port)."""
    from uprest.mail import OutboxMessage

    db.session.remove()
    mail = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
    ).first()
    assert mail is not None, f"no mail to {email}"
    return urlsplit(re.search(rf"http\S+{pattern}\S+", mail.body_text).group(0)).path


def test_register_login_switch_language_logout(page, axe_check, db):
    """A visitor registers, confirms the address with the mailed link (logged in), logs out and in again,
    switches to Swedish, sees Swedish, and logs out."""
    page.goto("/")
    axe_check(page)
    page.get_by_role("link", name="Register").first.click()
    axe_check(page)
    page.get_by_label("Full name").fill("Sara Sjöberg")
    page.get_by_label("E-mail address").fill("sara@example.org")
    page.get_by_label("Password", exact=True).fill("ett långt lösenord")
    page.get_by_label("Repeat the password").fill("ett långt lösenord")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Municipality").select_option(label="Vänersborg (Västra Götaland County)")
    page.get_by_label(re.compile("I have read the privacy notice")).check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text("We have sent a message to sara@example.org.")).to_be_visible()
    axe_check(page)

    # the link in the mail confirms the address, creates the account and logs in
    page.goto(mailed_path(db, "sara@example.org", "/register/confirm/"))
    axe_check(page)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Welcome, Sara Sjöberg")).to_be_visible()
    axe_check(page)

    # log out and in again through the login form
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.click()
    axe_check(page)
    page.get_by_label("E-mail address").fill("sara@example.org")
    page.get_by_label("Password").fill("ett långt lösenord")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Sara Sjöberg")).to_be_visible()

    # switch to Swedish with the switcher (works without JavaScript: a form with a button)
    page.get_by_label("Language").select_option("sv")
    page.get_by_role("button", name="Change").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    expect(page.get_by_role("heading", name="Välkommen, Sara Sjöberg")).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("link", name="Logga in").first).to_be_visible()
    assert page.console_errors == []


def test_password_reset_through_outbox(page, axe_check, create_user, db):
    """A forgotten password is reset with the link from the outbox, which then stops working."""
    user = create_user(email="olli@example.org", name="Olli Outbox")
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    axe_check(page)
    page.get_by_label("E-mail address").fill("olli@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("If an account exists for that address")).to_be_visible()

    link = mailed_path(db, user.email, "/password/reset/")
    page.goto(link)
    axe_check(page)
    page.get_by_label("New password", exact=True).fill("a brand new password")
    page.get_by_label("Repeat the new password").fill("a brand new password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()

    page.get_by_label("E-mail address").fill("olli@example.org")
    page.get_by_label("Password").fill("a brand new password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Olli Outbox")).to_be_visible()

    page.goto(link)
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
