"""Outbox job handlers and the daily cleanup of the exchanges domain (registered by the worker from these dicts).

- `exchanges.cut_off` (due at a slot's cut-off, key `exchange-cut-off:<slot>:<cut-off>`): run the slot's matching.
- `exchanges.reminder` (24 and 2 hours before, key `exchange-reminder:<pair>:<request>:<hours>:<start>`): remind,
  if the pair still stands.
- `exchanges.survey_invite` (at the end, and four weeks later): invite to the after / follow-up questionnaire.

A session moved by an officer gets jobs for its new times; those queued for the old times do nothing when they
fire (see `timing.py`).
- cleanup `exchanges.retention`: delete identifying data past the retention period.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.core.clock import Clock, SettableClock
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.outbox import ClaimedJob
from backend.core.templating import build_environment
from backend.exchanges.common import CUT_OFF, REMINDER, SURVEY_INVITE
from backend.exchanges.evaluation import EvaluationService
from backend.exchanges.pairing import PairingService
from backend.exchanges.tables import ExchangeSlot
from backend.notifications.delivery import CleanupHook, JobContext, PermanentJobError
from backend.settings import Settings


@functools.cache
def _renderer(settings: Settings) -> EmailRenderer:
    return EmailRenderer(build_environment(settings), load_translations(), settings)


def _engine() -> Engine[Any]:
    engine: Engine[Any] = ExchangeSlot._meta.db
    return engine


def pairing_for(settings: Settings, clock: Clock) -> PairingService:
    """A pairing service for a job, on the engine the tables are bound to."""
    return PairingService(settings, clock, _engine(), _renderer(settings))


def _int(job: ClaimedJob, name: str) -> int:
    value = job.payload.get(name)
    if not isinstance(value, int) or value < 0:
        raise PermanentJobError(f"{job.kind} job without a valid {name}")
    return value


async def cut_off(job: ClaimedJob, context: JobContext) -> None:
    """A slot's cut-off: match its pool (randomising the wait-list control first, when the topic asks)."""
    await pairing_for(context.settings, context.clock).run_matching(_int(job, "slot_id"), at_cut_off=True)


async def reminder(job: ClaimedJob, context: JobContext) -> None:
    """Remind one person of their exchange."""
    service = pairing_for(context.settings, context.clock)
    await service.send_reminder(_int(job, "pair_id"), _int(job, "request_id"), _int(job, "hours"))


async def survey_invite(job: ClaimedJob, context: JobContext) -> None:
    """Invite one person to a questionnaire wave."""
    wave = job.payload.get("wave")
    if wave not in {"after", "follow_up"}:
        raise PermanentJobError("survey invitation without a wave")
    service = pairing_for(context.settings, context.clock)
    await service.send_survey_invite(_int(job, "request_id"), str(wave), _int(job, "pair_id"))


async def retention(now: datetime, context: JobContext) -> None:
    """The daily retention purge (the period is the EXCHANGES_RETENTION_MONTHS setting)."""
    await purge_identities(context.settings, now)


async def purge_identities(settings: Settings, now: datetime) -> int:
    """Delete identifying data past the retention period (see EvaluationService.purge)."""
    return await EvaluationService(settings, SettableClock(now), _engine()).purge(now)


JOB_HANDLERS: dict[str, Callable[[ClaimedJob, JobContext], Awaitable[None]]] = {
    CUT_OFF: cut_off,
    REMINDER: reminder,
    SURVEY_INVITE: survey_invite,
}
CLEANUPS: dict[str, CleanupHook] = {"exchanges.retention": retention}
