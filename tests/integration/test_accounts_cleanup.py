from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.links import purge_spent_links
from backend.accounts.tables import EmailToken
from backend.core.clock import SettableClock
from tests.support.people import post_form


async def test_spent_and_expired_links_are_purged_after_their_retention(
    client: AsyncTestClient[Litestar], clock: SettableClock
) -> None:
    await post_form(client, "/sign-in/email", {"email": "old@example.org"})
    assert await EmailToken.count().where(EmailToken.email == "old@example.org") == 1
    assert await purge_spent_links(clock.now()) == 0  # still valid: kept
    assert await purge_spent_links(clock.now() + timedelta(days=8)) == 1
    assert await EmailToken.count().where(EmailToken.email == "old@example.org") == 0
