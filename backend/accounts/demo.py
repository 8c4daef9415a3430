"""Demo people and organisations for the embedded default (never loaded in production)."""

from __future__ import annotations

from backend.accounts.hooks import AccountHooks
from backend.accounts.services import AccountsService
from backend.accounts.tables import User
from backend.core.clock import Clock
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.roles import Role
from backend.core.templating import build_environment
from backend.core.throttle import MemoryThrottle
from backend.settings import Settings

# Documented in the README. Officers, members and admins set up two-factor at their first sign-in.
DEMO_PASSWORD = "listen-to-your-neighbours"  # noqa: S105 - public demo credential, refused in production
DEMO_STAFF = (
    ("admin@hearby.localhost", "Ada Admin", [Role.ADMIN]),
    ("officer@hearby.localhost", "Omar Officer", [Role.OFFICER]),
    ("facilitator@hearby.localhost", "Fran Facilitator", [Role.FACILITATOR]),
    ("member@hearby.localhost", "Cllr Morgan Member", [Role.MEMBER]),
    ("partner@hearby.localhost", "Pat Partner", [Role.PARTNER]),
    ("szkola@hearby.localhost", "Kasia Nowak", [Role.PARTNER]),
)
# Which demo organisation each partner belongs to (as its owner): the larder is trusted, the school is not.
DEMO_MEMBERSHIPS = {"partner@hearby.localhost": 0, "szkola@hearby.localhost": 1}
DEMO_ORGANISATIONS = (
    ("Cowley Community Larder", "Community group", True, "larder@hearby.localhost", "Oxford"),
    ("Banbury Polish Saturday School", "Charity", False, "szkola@hearby.localhost", "Cherwell"),
)


def demo_service(settings: Settings, clock: Clock) -> AccountsService:
    """An accounts service outside a request (the throttle is not used by these calls)."""

    renderer = EmailRenderer(build_environment(settings), load_translations(), settings)
    engine = User._meta.db  # the engine the tables are bound to, so transactions and queries share it
    # Demo content deletes no account and decides no organisation, so no other domain needs to react.
    return AccountsService(settings, clock, engine, MemoryThrottle(clock), renderer, hooks=AccountHooks())


async def load_demo(settings: Settings, clock: Clock) -> None:
    """Create the demo staff and organisations if they are not there yet."""
    accounts = demo_service(settings, clock)
    organisation_ids = [
        await accounts.organisations.ensure_organisation(
            name, kind=kind, trusted=trusted, contact_email=email, area=area
        )
        for name, kind, trusted, email, area in DEMO_ORGANISATIONS
    ]
    for email, name, roles in DEMO_STAFF:
        user_id = await accounts.people.ensure_staff(email, name, DEMO_PASSWORD, roles)
        if email in DEMO_MEMBERSHIPS:
            await accounts.organisations.add_member(user_id, organisation_ids[DEMO_MEMBERSHIPS[email]], owner=True)
