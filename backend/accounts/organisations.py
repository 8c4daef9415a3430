"""Partner organisations: applying and confirming, members, officers verifying, rejecting or trusting them,
and what other domains read about them (names, standing, contact).

A verification or rejection runs the other domains' `AccountHooks.organisation_standing_changed` in the same
transaction (the events domain shows or withdraws the organisation's events).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.credentials import (
    hash_password,
    token_digest,
)
from backend.accounts.hooks import AccountHooks
from backend.accounts.links import INVITATION_LIFETIME, EmailLinks
from backend.accounts.people import PeopleService, grant_role, join_organisation
from backend.accounts.schemas import (
    OrganisationListing,
    OrganisationSummary,
    TokenCheck,
)
from backend.accounts.tables import Membership, Organisation, User
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import placeholders, raw_rows, write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.core.roles import Role
from backend.settings import Settings

# What other domains read about organisations, hand-written so that it runs as a prepared statement (every
# booking form asks for one organisation's standing; staff lists for many at once).
_PROFILES_SQL = "SELECT id, name, status, trusted FROM organisation WHERE id IN ({})"


async def organisation_profiles(ids: Iterable[int]) -> dict[int, tuple[str, str, bool]]:
    """Name, status and whether trusted, of these organisations by id, in one statement."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    rows = await raw_rows(Organisation._meta.db, _PROFILES_SQL.format(placeholders(len(wanted))), *wanted)
    return {row["id"]: (row["name"], row["status"], bool(row["trusted"])) for row in rows}


async def organisation_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of organisations by id (for event pages and listings)."""
    return {organisation_id: name for organisation_id, (name, _, _) in (await organisation_profiles(ids)).items()}


async def verified_organisation_name(organisation_id: int) -> str | None:
    """The organisation's name when its events may be public (it is verified), else None (an event's page)."""
    rows = await raw_rows(
        Organisation._meta.db, "SELECT name FROM organisation WHERE id = {} AND status = 'verified'", organisation_id
    )
    return str(rows[0]["name"]) if rows else None


async def organisation_contact(organisation_id: int) -> tuple[str, str] | None:
    """An organisation's name and contact email, or None (no such organisation, or no address to write to)."""
    row = (
        await Organisation.select(Organisation.name, Organisation.contact_email)
        .where(Organisation.id == organisation_id)
        .first()
    )
    if row is None or not row["contact_email"]:
        return None
    return str(row["name"]), str(row["contact_email"])


async def organisation_standing(organisation_id: int) -> tuple[str, bool] | None:
    """An organisation's status ("verified", …) and whether it is trusted to publish at once, or None."""
    profile = (await organisation_profiles([organisation_id])).get(organisation_id)
    return (profile[1], profile[2]) if profile else None


# What an organisation's history shows officers: how it came in, and every decision on it.
ORGANISATION_HISTORY = (
    "organisation.applied",
    "organisation.confirmed",
    "organisation.verify",
    "organisation.reject",
    "organisation.trust",
    "organisation.untrust",
)


async def verified_organisation_ids(among: Iterable[int] | None = None) -> list[int]:
    """Organisations whose events may be public: all of them, or those of `among` (one indexed lookup)."""
    query = Organisation.select(Organisation.id).where(Organisation.status == "verified")
    if among is not None:
        wanted = sorted(set(among))
        if not wanted:
            return []
        query = query.where(Organisation.id.is_in(wanted))
    return [row["id"] for row in await query]


class OrganisationsService:
    """Partner organisations: applying, confirming, members, and officers' decisions on them."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        links: EmailLinks,
        people: PeopleService,
        hooks: AccountHooks,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.links = links
        self.people = people
        self.hooks = hooks

    async def apply_for_organisation(self, details: dict[str, str], locale: str, client: str) -> None:
        """Record an application and email the contact a link to confirm their address and set a password."""
        email = details["contact_email"]
        if not await self.links.count_link_request(email, client):
            return
        async with write_transaction(self.engine):
            organisation = Organisation(
                name=details["name"],
                kind=details["kind"],
                charity_number=details.get("charity_number", ""),
                company_number=details.get("company_number", ""),
                contact_name=details["contact_name"],
                contact_email=email,
                area_served=details.get("area_served", ""),
                status="unconfirmed",
            )
            await organisation.save()
            token = await self.links.issue(
                "org_confirm", email, None, INVITATION_LIFETIME, organisation=organisation.id
            )
            payload = self.renderer.render(
                "organisation_confirm",
                to=email,
                locale=locale,
                link=self.links.url(f"/partners/confirm/{token}"),
                organisation=organisation.name,
                days=7,
            )
            await enqueue(EMAIL, f"organisation-confirm:{token_digest(token)}", payload)
            await audit.record(
                "organisation.applied", actor=None, subject_type="organisation", subject_id=organisation.id
            )

    async def confirm_organisation(self, token: str, display_name: str, password: str) -> TokenCheck:
        """Spend the confirmation link: the applicant becomes the organisation's owner (a partner)."""
        check = await self.links.consume("org_confirm", token)
        organisation_id = check.payload.get("organisation")
        if not check.valid or not isinstance(organisation_id, int):
            return check
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == check.email).first()
            if user is None:
                user = User(email=check.email)
            user.display_name = display_name
            user.password_hash = hash_password(password)
            user.auth_version = (user.auth_version or 0) + 1
            await user.save()
            await grant_role(user.id, Role.PARTNER, granted_by=None)
            await join_organisation(user.id, organisation_id, owner=True)
            await Organisation.update({Organisation.status: "pending"}).where(
                (Organisation.id == organisation_id) & (Organisation.status == "unconfirmed")
            )
            await audit.record(
                "organisation.confirmed",
                actor=None,
                actor_label=check.email,
                subject_type="organisation",
                subject_id=organisation_id,
            )
        return TokenCheck(valid=True, email=check.email, user_id=user.id, payload=check.payload)

    async def organisations_waiting(self) -> list[OrganisationListing]:
        """Organisations waiting for an officer's decision, the longest waiting first."""
        rows = await self._listing().where(Organisation.status == "pending").order_by(Organisation.id)
        return [OrganisationListing(**row) for row in rows]

    async def organisations_decided(self, limit: int, offset: int) -> tuple[list[OrganisationListing], int]:
        """One page of the organisations officers have decided on, by name, and how many there are."""
        decided = Organisation.status.not_in(["pending", "unconfirmed"])
        rows = await (
            self._listing().where(decided).order_by(Organisation.name, Organisation.id).limit(limit).offset(offset)
        )
        return [OrganisationListing(**row) for row in rows], await Organisation.count().where(decided)

    @staticmethod
    def _listing() -> Any:
        return Organisation.select(
            Organisation.id,
            Organisation.name,
            Organisation.area_served,
            Organisation.status,
            Organisation.trusted,
            Organisation.created_at,
        )

    async def organisation(self, organisation_id: int) -> OrganisationSummary | None:
        """One organisation with its members."""
        row = await Organisation.objects().where(Organisation.id == organisation_id).first()
        summaries = await self._organisation_summaries([row] if row else [])
        return summaries[0] if summaries else None

    async def organisation_history(self, organisation_id: int) -> list[audit.AuditRow]:
        """The organisation's application and the decisions on it, newest first (from the audit trail)."""
        return await audit.history("organisation", organisation_id, ORGANISATION_HISTORY)

    async def _organisation_summaries(self, rows: list[Organisation]) -> list[OrganisationSummary]:
        """These organisations with their members (one query for all of their members, not one each)."""
        members: dict[int, list[tuple[str, str, bool]]] = {}
        if rows:
            found = (
                await Membership.select(
                    Membership.organisation, Membership.user.email, Membership.user.display_name, Membership.is_owner
                )
                .where(Membership.organisation.is_in([row.id for row in rows]))
                .order_by(Membership.id)
            )
            for member in found:
                members.setdefault(member["organisation"], []).append(
                    (member["user.email"], member["user.display_name"], member["is_owner"])
                )
        return [
            OrganisationSummary(
                id=row.id,
                name=row.name,
                kind=row.kind,
                charity_number=row.charity_number,
                company_number=row.company_number,
                contact_name=row.contact_name,
                contact_email=row.contact_email,
                area_served=row.area_served,
                status=row.status,
                trusted=row.trusted,
                decision_reason=row.decision_reason,
                created_at=row.created_at,
                members=members.get(row.id, []),
            )
            for row in rows
        ]

    async def decide_organisation(
        self, officer: CurrentUser, organisation_id: int, decision: str, reason: str, locale: str
    ) -> bool:
        """Verify, reject (with a reason the applicant sees), trust or stop trusting an organisation."""
        row = await Organisation.objects().where(Organisation.id == organisation_id).first()
        if row is None or row.status == "unconfirmed":
            return False
        changes: dict[Any, Any] = {Organisation.decided_at: self.clock.now(), Organisation.decision_reason: reason}
        if decision == "verify":
            changes[Organisation.status] = "verified"
        elif decision == "reject":
            changes[Organisation.status] = "rejected"
            changes[Organisation.trusted] = False
        elif decision in {"trust", "untrust"}:
            if row.status != "verified":
                return False
            changes[Organisation.trusted] = decision == "trust"
        else:
            return False
        async with write_transaction(self.engine):
            await Organisation.update(changes).where(Organisation.id == organisation_id)
            await audit.record(
                f"organisation.{decision}",
                actor=officer,
                subject_type="organisation",
                subject_id=organisation_id,
                reason=reason,
            )
            if decision in {"verify", "reject"}:
                for changed in self.hooks.organisation_standing_changed:
                    await changed(organisation_id)
            if decision in {"verify", "reject"} and row.contact_email:
                payload = self.renderer.render(
                    "organisation_decision",
                    to=row.contact_email,
                    locale=locale,
                    organisation=row.name,
                    verified=decision == "verify",
                    reason=reason,
                    link=self.links.url("/partner/organisation"),
                )
                stamp = int(self.clock.now().timestamp())
                await enqueue(EMAIL, f"organisation-decision:{organisation_id}:{decision}:{stamp}", payload)
        return True

    async def organisations_of(self, user: CurrentUser) -> list[OrganisationSummary]:
        """The organisations a partner belongs to."""
        rows = await Organisation.objects().where(Organisation.id.is_in(list(user.organisation_ids) or [0]))
        return await self._organisation_summaries(rows)

    async def is_owner(self, user_id: int, organisation_id: int) -> bool:
        """True when the person owns the organisation (and may invite members)."""
        return bool(
            await Membership.exists().where(
                (Membership.user == user_id)
                & (Membership.organisation == organisation_id)
                & (Membership.is_owner == True)  # noqa: E712
            )
        )

    async def invite_member(self, owner: CurrentUser, organisation_id: int, email: str, locale: str) -> bool:
        """The owner invites a colleague as a partner of the same organisation."""
        if not await self.is_owner(owner.id, organisation_id):
            return False
        await self.people.invite_staff(owner, email, [Role.PARTNER], organisation_id, locale)
        return True

    async def ensure_organisation(self, name: str, *, kind: str, trusted: bool, contact_email: str, area: str) -> int:
        """Create a verified organisation by name (idempotent)."""
        row = await Organisation.select(Organisation.id).where(Organisation.name == name).first()
        if row:
            return int(row["id"])
        organisation = Organisation(
            name=name, kind=kind, trusted=trusted, status="verified", contact_email=contact_email, area_served=area
        )
        await organisation.save()
        return int(organisation.id)

    async def add_member(self, user_id: int, organisation_id: int, *, owner: bool) -> None:
        """Make someone a member (or the owner) of an organisation (idempotent)."""
        await join_organisation(user_id, organisation_id, owner=owner)

    async def organisations(self) -> list[tuple[int, str]]:
        """Verified organisations, for the invitation form."""
        rows = await Organisation.select(Organisation.id, Organisation.name).order_by(Organisation.name)
        return [(row["id"], row["name"]) for row in rows]
