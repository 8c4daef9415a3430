"""Small factories per role, and signing in through the real pages (password, then TOTP via pyotp)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.credentials import TotpVault, hash_password
from backend.accounts.tables import Membership, RoleGrant, User
from backend.core.clock import SettableClock
from backend.core.roles import TWO_FACTOR_ROLES, Role
from backend.settings import Settings

PASSWORD = "quiet-harbour-lantern-47"
_numbers = itertools.count(1)
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Person:
    """A person made for a test: their id, email, password and (if enrolled) TOTP secret."""

    id: int
    email: str
    password: str
    roles: frozenset[Role]
    totp_secret: str | None = None

    def code(self, clock: SettableClock) -> str:
        """The TOTP code for the clock's current time."""
        assert self.totp_secret is not None
        return pyotp.TOTP(self.totp_secret).at(clock.now())


async def make_person(settings: Settings, *roles: Role, enrolled: bool = True, email: str | None = None) -> Person:
    """A user with these roles and a password; two-factor set up when the role needs it (unless enrolled=False)."""
    address = email or f"person{next(_numbers)}@example.org"
    secret = pyotp.random_base32() if enrolled and set(roles) & TWO_FACTOR_ROLES else None
    user = User(
        email=address,
        display_name=f"Test {address.split('@')[0]}",
        password_hash=hash_password(PASSWORD) if set(roles) - {Role.RESIDENT} else None,
        totp_secret=TotpVault(settings.secret_key).seal(secret) if secret else None,
    )
    if secret:
        user.totp_enabled_at = SettableClock().now()
    await user.save()
    for role in roles:
        await RoleGrant.insert(RoleGrant(user=user.id, role=role.value, grant_key=f"{user.id}:{role.value}"))
    return Person(id=user.id, email=address, password=PASSWORD, roles=frozenset(roles), totp_secret=secret)


async def csrf_token(client: AsyncTestClient[Litestar], path: str = "/sign-in") -> str:
    """Load a page to get the CSRF cookie and the token its forms carry."""
    page = await client.get(path)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def post_form(
    client: AsyncTestClient[Litestar], path: str, data: dict[str, str], *, token_from: str | None = None
) -> httpx.Response:
    """Post a form the way a browser does: with the CSRF token from the page that shows it."""
    token = await csrf_token(client, token_from or path)
    return await client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False)


async def sign_in(client: AsyncTestClient[Litestar], person: Person, clock: SettableClock) -> None:
    """Sign in through the real pages, with a fresh TOTP time step for those who need one."""
    response = await post_form(client, "/sign-in", {"email": person.email, "password": person.password})
    assert response.status_code == 302, response.text
    if response.headers["location"] == "/sign-in/two-factor":
        clock.advance(seconds=30)  # each code's time step is accepted once
        response = await post_form(client, "/sign-in/two-factor", {"code": person.code(clock)})
        assert response.status_code == 302, response.text
    assert (await client.get("/account", follow_redirects=False)).status_code == 200


async def sign_in_resident(client: AsyncTestClient[Litestar], email: str) -> None:
    """Sign a resident in the real way: ask for a link, read it from the outbox, use it."""
    from backend.core.tables import OutboxJob

    await post_form(client, "/sign-in/email", {"email": email})
    rows = (
        await OutboxJob.select(OutboxJob.payload)
        .where(OutboxJob.kind == "email")
        .order_by(OutboxJob.id, ascending=False)
    )
    for row in rows:
        payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        if payload["to"] == email:
            path = re.search(r"(/sign-in/link/[\w-]+)", payload["text"])
            assert path, payload["text"]
            response = await post_form(client, path.group(1), {}, token_from=path.group(1))
            assert response.status_code == 302, response.text
            return
    raise AssertionError(f"no sign-in email for {email}")


PeopleFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
def people(settings: Settings, app: Litestar) -> PeopleFactory:
    """`await people(Role.OFFICER)` makes a person with that role (in the app's database)."""

    async def factory(*roles: Role, enrolled: bool = True, email: str | None = None) -> Person:
        return await make_person(settings, *roles, enrolled=enrolled, email=email)

    return factory


async def partner_of(people: PeopleFactory, organisation_id: int) -> Person:
    """A partner who belongs to this organisation."""
    person = await people(Role.PARTNER)
    await Membership.insert(
        Membership(user=person.id, organisation=organisation_id, membership_key=f"{person.id}:{organisation_id}")
    )
    return person
