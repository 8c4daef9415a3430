"""Issue 3's journeys in Chromium at a phone viewport, against the real web process, the real outbox
worker and an in-process SMTP server: an admin invites an officer, who sets a password, enrols TOTP
(codes computed with pyotp), signs out and in again; a resident signs in with an emailed link."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from backend.settings import REPO_ROOT
from tests.support.browser import PHONE_CONTEXT
from tests.support.live_server import LiveServer, prepared_sqlite, start_server
from tests.support.smtp import SmtpServer

DEMO_PASSWORD = "listen-to-your-neighbours"  # the documented demo credential (backend/accounts/demo.py)


@dataclass
class Stack:
    """The web process, the worker and the mail server they deliver to."""

    server: LiveServer
    smtp: SmtpServer
    database_url: str

    def mail_to(self, address: str, timeout: float = 20.0) -> str:
        """The plain-text body of the latest email to an address, waiting for the worker to send it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in reversed(self.smtp.received):
                if address in mail.rcpt_tos:
                    return mail.part("text/plain")
            time.sleep(0.1)
        raise AssertionError(f"no email to {address} within {timeout}s")

    def link_in_mail_to(self, address: str) -> str:
        match = re.search(r"https?://\S+", self.mail_to(address))
        assert match, "no link in the email"
        return match.group(0)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    smtp = SmtpServer()
    smtp.start()
    data_dir: Path = tmp_path_factory.mktemp("journeys")
    database_url = prepared_sqlite(data_dir)
    server = start_server(database_url, data_dir, extra_env=smtp.env())
    worker_env = {"DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "BASE_URL": server.base_url}

    worker = subprocess.Popen(
        [sys.executable, "-m", "backend.worker", "--poll", "0.2"],
        cwd=REPO_ROOT,
        env={**os.environ, **worker_env, **smtp.env(), "LOG_LEVEL": "WARNING"},
    )
    try:
        yield Stack(server=server, smtp=smtp, database_url=database_url)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        server.stop()
        smtp.stop()


def phone(browser: Browser, stack: Stack) -> BrowserContext:
    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": "en-GB"})
    context.set_default_timeout(15_000)
    return context


def enrol_two_factor(page: Page) -> str:
    """On the set-up page: read the key, type the current code, keep going; return the secret."""
    expect(page.locator("h1")).to_have_text("Set up two-factor authentication")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    assert page.locator(".hb-recovery-codes li").count() == 10
    page.get_by_role("link", name="Continue").click()
    return secret


def test_admin_invites_an_officer_who_enrols_two_factor_and_signs_in(browser: Browser, stack: Stack) -> None:
    admin_context = phone(browser, stack)
    admin = admin_context.new_page()
    admin.goto("/sign-in")
    admin.get_by_label("Email address").fill("admin@hearby.localhost")
    admin.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    enrol_two_factor(admin)  # the demo admin sets up two-factor at first sign-in
    admin.goto("/admin/users/invite")
    admin.get_by_label("Email address").fill("nia.officer@oxfordshire.gov.uk")
    admin.get_by_label("Officer", exact=True).check()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.locator("h1")).to_have_text("Invitation sent")
    admin_context.close()

    invitation = stack.link_in_mail_to("nia.officer@oxfordshire.gov.uk")
    officer_context = phone(browser, stack)
    officer = officer_context.new_page()
    officer.goto(invitation)
    officer.get_by_label("Your name").fill("Nia Officer")
    officer.get_by_label("Choose a password").fill("copper-meadow-falcon-12")
    officer.get_by_label("Confirm your password").fill("copper-meadow-falcon-12")
    officer.get_by_role("button", name="Create account").click()
    secret = enrol_two_factor(officer)
    expect(officer.locator("h1")).to_have_text("Your account")
    officer.locator("form[action='/sign-out'] button").click()
    expect(officer.locator("h1")).to_have_text("You have signed out")

    officer.goto("/sign-in")
    officer.get_by_label("Email address").fill("nia.officer@oxfordshire.gov.uk")
    officer.get_by_label("Password", exact=True).fill("copper-meadow-falcon-12")
    officer.get_by_role("button", name="Sign in").click()
    expect(officer.locator("h1")).to_have_text("Enter your security code")
    # The code from enrolment was spent; the next time step's code is accepted (one step of drift).
    officer.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(time.time() + 30))
    officer.get_by_role("button", name="Continue").click()
    expect(officer.locator("h1")).to_have_text("Your account")
    expect(officer.locator("main")).to_contain_text("nia.officer@oxfordshire.gov.uk")
    officer_context.close()


def test_resident_signs_in_with_an_emailed_link(browser: Browser, stack: Stack) -> None:
    context = phone(browser, stack)
    page = context.new_page()
    page.goto("/sign-in/email")
    page.get_by_label("Email address").fill("amira@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    page.goto(stack.link_in_mail_to("amira@example.org"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("amira@example.org")
    context.close()
