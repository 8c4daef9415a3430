""" "You said, we did": entries officers publish, and residents who follow them by email.

Following is double opt-in: asking stores an unconfirmed follower and queues a confirmation link; only confirmed
followers are emailed when an entry is published (each through the outbox, in the transaction that publishes
it). Every email carries an unsubscribe link; unsubscribing deletes the follower.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import json_object, write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.engagement.common import digest, in_language, json_list, new_token
from backend.engagement.schemas import UpdateRequest, UpdateView
from backend.engagement.tables import Follower, Update
from backend.notifications import triggers as push_triggers
from backend.settings import Settings

UPDATES_PATH = "/you-said-we-did"


def update_view(row: dict[str, Any], locale: str) -> UpdateView:
    """An entry in one language (each text falls back to English on its own)."""
    heard, heard_locale = in_language(json_object(row["heard"]), locale)
    did, did_locale = in_language(json_object(row["did"]), locale)
    links = [link for link in json_list(row["links"]) if isinstance(link, dict)]
    return UpdateView(
        id=row["id"],
        heard=heard,
        heard_locale=heard_locale,
        did=did,
        did_locale=did_locale,
        links=links,
        happened_on=row["happened_on"],
        created_at=row["created_at"],
    )


class UpdatesService:
    """Publishing entries and keeping followers."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer

    async def entries(self, locale: str, limit: int = 100) -> list[UpdateView]:
        """Entries newest first."""
        rows = (
            await Update.select()
            .order_by(Update.happened_on, ascending=False)
            .order_by(Update.id, ascending=False)
            .limit(limit)
        )
        return [update_view(row, locale) for row in rows]

    async def publish(self, request: UpdateRequest, officer: CurrentUser) -> int:
        """Publish an entry and email every confirmed follower about it, in their language (audited)."""
        async with write_transaction(self.engine):
            rows = await Update.insert(
                Update(
                    heard=request.heard,
                    did=request.did,
                    links=request.links,
                    happened_on=request.happened_on,
                    created_by=officer.id,
                    created_at=self.clock.now(),
                )
            ).returning(Update.id)
            update_id: int = rows[0]["id"]
            row = await Update.select().where(Update.id == update_id).first()
            assert row is not None  # just inserted
            followers = await Follower.select(
                Follower.id, Follower.email, Follower.locale, Follower.unsubscribe_token
            ).where(Follower.confirmed_at.is_not_null())
            for follower in followers:
                entry = update_view(row, follower["locale"])
                payload = self.renderer.render(
                    "engagement_update",
                    to=follower["email"],
                    locale=follower["locale"],
                    entry=entry,
                    page=self._url(UPDATES_PATH),
                    unsubscribe=self._url(f"{UPDATES_PATH}/unsubscribe/{follower['unsubscribe_token']}"),
                )
                await enqueue(EMAIL, f"engagement-update:{update_id}:{follower['id']}", payload)
            await push_triggers.update_published(update_id, dict(request.heard))
            await audit.record(
                "engagement.update.published",
                actor=officer,
                subject_type="update",
                subject_id=update_id,
                details={"followers": len(followers)},
            )
        return update_id

    async def follow(self, email: str, locale: str) -> None:
        """Ask to follow: a confirmation link is emailed (again, with a new link, if asked again before confirming).
        Someone already confirmed is not emailed: the answer is the same either way, so it tells no one who follows.
        """
        token = new_token()
        async with write_transaction(self.engine):
            row = await Follower.select(Follower.id, Follower.confirmed_at).where(Follower.email == email).first()
            if row is not None and row["confirmed_at"] is not None:
                return
            if row is None:
                inserted = await Follower.insert(
                    Follower(
                        email=email,
                        locale=locale,
                        confirm_hash=digest(token),
                        unsubscribe_token=new_token(),
                        created_at=self.clock.now(),
                    )
                ).returning(Follower.id)
                follower_id = inserted[0]["id"]
            else:
                follower_id = row["id"]
                await Follower.update({Follower.confirm_hash: digest(token), Follower.locale: locale}).where(
                    Follower.id == follower_id
                )
            payload = self.renderer.render(
                "engagement_follow_confirm", to=email, locale=locale, link=self._url(f"{UPDATES_PATH}/confirm/{token}")
            )
            await enqueue(EMAIL, f"engagement-follow:{follower_id}:{digest(token)[:16]}", payload)

    async def pending_confirmation(self, token: str) -> bool:
        """True when a confirmation link is one waiting to be used."""
        return await Follower.exists().where((Follower.confirm_hash == digest(token)) & Follower.confirmed_at.is_null())

    async def confirm(self, token: str) -> bool:
        """Confirm a follower by their link (once)."""
        async with write_transaction(self.engine):
            rows = (
                await Follower.update({Follower.confirmed_at: self.clock.now()})
                .where((Follower.confirm_hash == digest(token)) & Follower.confirmed_at.is_null())
                .returning(Follower.id)
            )
        return bool(rows)

    async def is_follower_link(self, token: str) -> bool:
        """True when an unsubscribe link belongs to a follower."""
        return await Follower.exists().where(Follower.unsubscribe_token == token)

    async def unsubscribe(self, token: str) -> bool:
        """Stop following: the follower (and their email address) is deleted."""
        async with write_transaction(self.engine):
            rows = await Follower.delete().where(Follower.unsubscribe_token == token).returning(Follower.id)
        return bool(rows)

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"
