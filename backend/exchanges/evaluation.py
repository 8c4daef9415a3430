"""Evaluation: the officers' dashboard (suppressed aggregates, paired change with 95% intervals against the
comparison group, attrition by wave, an SVG chart), the researchers' pseudonymised export, and retention."""

from __future__ import annotations

import csv
import io
import math
import secrets
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.exchanges.common import (
    AFTER,
    ATTENDED,
    BEFORE,
    CANCELLED,
    CONFIRMED,
    FOLLOW_UP,
    NO_SHOW,
    WITHDRAWN,
    json_list,
)
from backend.exchanges.tables import (
    ExchangeAvailability,
    ExchangePair,
    ExchangeRequest,
    ExchangeStance,
    ExchangeSurvey,
    ExchangeTopic,
)
from backend.notifications import triggers as push_triggers
from backend.settings import Settings

SUPPRESS_BELOW = 5
MEASURES = ("thermometer", "understanding", "willingness")
# Two-sided 95% critical values of Student's t by degrees of freedom (1-30); beyond, the normal 1.96.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def retention_cutoff(settings: Settings, now: datetime) -> datetime:
    """Requests whose last slot (or, never matched, whose request) is before this are past the retention period."""
    return now - timedelta(days=round(30.44 * settings.exchanges_retention_months))


def t95(df: int) -> float:
    """The 97.5th percentile of t with `df` degrees of freedom."""
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


@dataclass(frozen=True)
class Change:
    """Mean paired change of one measure for one group, or suppressed (n < 5)."""

    n: int
    mean: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def suppressed(self) -> bool:
        """Fewer than 5 people: shown as "fewer than 5"."""
        return self.n < SUPPRESS_BELOW


def paired_change(pairs: Sequence[tuple[float, float]]) -> Change:
    """Mean of (later - before) with a paired t 95% interval; suppressed under 5 people."""
    n = len(pairs)
    if n < SUPPRESS_BELOW:
        return Change(n)
    diffs = [later - before for before, later in pairs]
    mean = statistics.fmean(diffs)
    half = t95(n - 1) * statistics.stdev(diffs) / math.sqrt(n)
    return Change(n, round(mean, 2), round(mean - half, 2), round(mean + half, 2))


@dataclass(frozen=True)
class Count:
    """A count shown only when 5 or more."""

    n: int

    @property
    def suppressed(self) -> bool:
        """Between 1 and 4: shown as "fewer than 5" (zero is shown)."""
        return 0 < self.n < SUPPRESS_BELOW


@dataclass
class Dashboard:
    """Everything the evaluation page shows for a topic (or all)."""

    requests: Count
    matched: Count
    attended: Count
    no_shows: Count
    control: Count
    mean_disagreement: float | None
    changes: dict[str, dict[str, dict[str, Change]]] = field(default_factory=dict)  # measure→wave→group
    attrition: dict[str, Count] = field(default_factory=dict)  # wave → people answering
    stayed_vs_left: dict[str, tuple[Change, Change]] = field(default_factory=dict)  # measure → (stayed, left) at start


def _mean_level(values: list[float]) -> Change:
    """A level (not a change), suppressed the same way (mean only)."""
    if len(values) < SUPPRESS_BELOW:
        return Change(len(values))
    return Change(len(values), round(statistics.fmean(values), 2))


class EvaluationService:
    """Aggregates, export and retention."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    async def dashboard(self, topic_id: int | None = None) -> Dashboard:
        """Counts, mean disagreement, paired changes (exchange group vs comparison), attrition."""
        query = ExchangeRequest.select(
            ExchangeRequest.id, ExchangeRequest.status, ExchangeRequest.arm, ExchangeRequest.topic_id
        ).where(ExchangeRequest.status != WITHDRAWN)
        pair_query = ExchangePair.select().where(ExchangePair.status != CANCELLED)
        if topic_id is not None:
            query = query.where(ExchangeRequest.topic_id == topic_id)
            pair_query = pair_query.where(ExchangePair.topic_id == topic_id)
        requests = await query
        pairs = [p for p in await pair_query if p["status"] == CONFIRMED]
        attended: set[int] = set()
        no_show: set[int] = set()
        matched: set[int] = set()
        for pair in pairs:
            for request_id, mark in (
                (pair["request_a"], pair["attendance_a"]),
                (pair["request_b"], pair["attendance_b"]),
            ):
                if request_id is None:
                    continue
                matched.add(request_id)
                if mark == ATTENDED:
                    attended.add(request_id)
                elif mark == NO_SHOW:
                    no_show.add(request_id)
        ids = [r["id"] for r in requests]
        control = {r["id"] for r in requests if r["arm"] == "control"}
        surveys = await ExchangeSurvey.select().where(ExchangeSurvey.request_id.is_in(ids)) if ids else []
        by_wave: dict[str, dict[int, dict[str, Any]]] = {BEFORE: {}, AFTER: {}, FOLLOW_UP: {}}
        for row in surveys:
            by_wave.setdefault(row["wave"], {})[row["request_id"]] = row
        # The comparison group: the randomised wait-list control, plus those who answered later waves unmatched.
        comparison = control | {i for i in ids if i not in matched and (i in by_wave[AFTER] or i in by_wave[FOLLOW_UP])}
        groups = {"exchange": attended, "comparison": comparison - matched}
        dashboard = Dashboard(
            requests=Count(len(ids)),
            matched=Count(len(matched)),
            attended=Count(len(attended)),
            no_shows=Count(len(no_show)),
            control=Count(len(control)),
            mean_disagreement=round(statistics.fmean(p["disagreement"] for p in pairs), 2)
            if len(pairs) >= SUPPRESS_BELOW
            else None,
        )
        for measure in MEASURES:
            dashboard.changes[measure] = {}
            for wave in (AFTER, FOLLOW_UP):
                dashboard.changes[measure][wave] = {}
                for group, members in groups.items():
                    paired = [
                        (float(by_wave[BEFORE][i][measure]), float(by_wave[wave][i][measure]))
                        for i in members
                        if i in by_wave[BEFORE] and i in by_wave[wave]
                    ]
                    dashboard.changes[measure][wave][group] = paired_change(paired)
        for wave in (BEFORE, AFTER, FOLLOW_UP):
            dashboard.attrition[wave] = Count(len([i for i in by_wave[wave] if i in attended or wave == BEFORE]))
        started = [i for i in attended if i in by_wave[BEFORE]]
        for measure in MEASURES:
            stayed = [float(by_wave[BEFORE][i][measure]) for i in started if i in by_wave[FOLLOW_UP]]
            left = [float(by_wave[BEFORE][i][measure]) for i in started if i not in by_wave[FOLLOW_UP]]
            dashboard.stayed_vs_left[measure] = (_mean_level(stayed), _mean_level(left))
        return dashboard

    # --- the researchers' export -----------------------------------------------------------------------

    async def export_csv(self, officer: CurrentUser | None, topic_id: int | None = None) -> str:
        """One row per request with a fresh random participant id; no names, contact details or unshared text.

        Audited (who, when, how many rows) in the same transaction that reads the rows.
        """
        async with write_transaction(self.engine):
            query = ExchangeRequest.select().where(ExchangeRequest.status != WITHDRAWN)
            if topic_id is not None:
                query = query.where(ExchangeRequest.topic_id == topic_id)
            requests = await query.order_by(ExchangeRequest.id)
            ids = [r["id"] for r in requests]
            topics = {t["id"]: t["slug"] for t in await ExchangeTopic.select(ExchangeTopic.id, ExchangeTopic.slug)}
            stances = {
                s["request_id"]: json_list(s["answers"])
                for s in (await ExchangeStance.select().where(ExchangeStance.request_id.is_in(ids)) if ids else [])
            }
            surveys: dict[tuple[int, str], dict[str, Any]] = {
                (s["request_id"], s["wave"]): s
                for s in (await ExchangeSurvey.select().where(ExchangeSurvey.request_id.is_in(ids)) if ids else [])
            }
            pairs = await ExchangePair.select().where(ExchangePair.status == CONFIRMED)
            pair_of: dict[int, dict[str, Any]] = {}
            for pair in pairs:
                pair_of[pair["request_a"]] = {"d": pair["disagreement"], "att": pair["attendance_a"]}
                if pair["request_b"] is not None:
                    pair_of[pair["request_b"]] = {"d": pair["disagreement"], "att": pair["attendance_b"]}
            await audit.record(
                "exchanges.export",
                actor=officer,
                subject_type="exchange_export",
                subject_id=topic_id or "all",
                details={"rows": len(requests)},
            )
        # A fresh random id per row and per export: two exports cannot be joined on it.
        shuffled = sorted(requests, key=lambda _r: secrets.randbits(32))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([name for name, _ in DATA_DICTIONARY])
        for row in shuffled:
            answers = stances.get(row["id"], [])
            line: list[Any] = [
                secrets.token_hex(8),
                topics.get(row["topic_id"], ""),
                row["arm"] or "none",
                row["status"],
                pair_of.get(row["id"], {}).get("d", ""),
                pair_of.get(row["id"], {}).get("att", ""),
                " ".join(str(a) for a in answers),
            ]
            for wave in (BEFORE, AFTER, FOLLOW_UP):
                survey = surveys.get((row["id"], wave))
                line.extend(survey[measure] if survey else "" for measure in MEASURES)
            after = surveys.get((row["id"], AFTER))
            line.append(after["heard"] if after and after["heard"] is not None else "")
            line.append(after["understand_better"] if after and after["understand_better"] is not None else "")
            line.append(after["comment"] if after and after["comment_shared"] else "")
            writer.writerow(line)
        return out.getvalue()

    # --- retention -------------------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> int:
        """Delete identifying data (email, first name, account link, person key, private link) of requests whose
        last slot (or, never matched, whose request) is older than the retention period; survey data stays."""
        now = now or self.clock.now()
        cutoff = retention_cutoff(self.settings, now)
        rows = await ExchangeRequest.select(
            ExchangeRequest.id, ExchangeRequest.last_slot_at, ExchangeRequest.created_at
        ).where(ExchangeRequest.identity_purged_at.is_null())
        due = [r["id"] for r in rows if (r["last_slot_at"] or r["created_at"]) < cutoff]
        if not due:
            return 0
        async with write_transaction(self.engine):
            for request_id in due:
                await ExchangeRequest.update(
                    {
                        ExchangeRequest.email: "",
                        ExchangeRequest.first_name: "",
                        ExchangeRequest.user_id: None,
                        ExchangeRequest.participant_key: f"purged-{request_id}",
                        ExchangeRequest.token_hash: f"purged-{request_id}",
                        ExchangeRequest.request_key: None,
                        ExchangeRequest.identity_purged_at: now,
                    }
                ).where(ExchangeRequest.id == request_id)
                await ExchangeAvailability.delete().where(ExchangeAvailability.request_id == request_id)
            await push_triggers.forget_exchange_devices(due)  # the device it came from, with the identity
        return len(due)


DATA_DICTIONARY: tuple[tuple[str, str], ...] = (
    ("participant", "A random id made for this export only (a new one in every export; not linkable)."),
    ("topic", "The topic's short name."),
    ("arm", "Randomisation: offered (could be matched), control (wait-list control: offered a later slot), none."),
    ("status", "waiting, matched or control at the time of export."),
    ("pair_disagreement", "Sum over the stance statements of the absolute difference between the pair's answers."),
    ("attendance", "attended, no_show, late_cancel, or empty when not recorded."),
    ("stances", "Answers to the topic's statements, 1 (strongly disagree) to 5 (strongly agree), in order."),
    ("before_thermometer", "Before: feeling towards people with the opposite view, 0 (cold) to 100 (warm)."),
    ("before_understanding", "Before: how well they understand why people hold that view, 1-7."),
    ("before_willingness", "Before: how willing they are to talk with someone who disagrees, 1-7."),
    ("after_thermometer", "Straight after: the same thermometer."),
    ("after_understanding", "Straight after: the same understanding measure."),
    ("after_willingness", "Straight after: the same willingness measure."),
    ("follow_up_thermometer", "Four weeks after: the same thermometer."),
    ("follow_up_understanding", "Four weeks after: the same understanding measure."),
    ("follow_up_willingness", "Four weeks after: the same willingness measure."),
    ("after_heard", "Straight after: how far they felt heard, 1-7."),
    ("after_understand_better", 'Straight after: "I understand their view better", 1-7.'),
    ("after_comment", "Their comment, only when they agreed to share it with the researchers."),
)


def chart_svg(dashboard: Dashboard, wave: str, labels: dict[str, str], groups: dict[str, str]) -> dict[str, Any]:
    """Bar geometry for a server-rendered SVG of mean change per measure and group (suppressed bars omitted).

    Each measure is scaled to its own range (thermometer 0-100, the others 1-7) as a share of that range.
    """
    ranges = {"thermometer": 100.0, "understanding": 6.0, "willingness": 6.0}
    bars = []
    row = 0
    for measure in MEASURES:
        for group, group_label in groups.items():
            change = dashboard.changes[measure][wave][group]
            share = 0.0 if change.mean is None else max(-1.0, min(1.0, change.mean / ranges[measure]))
            width = abs(share) * 150
            bars.append(
                {
                    "y": 10 + row * 22,
                    "x": 200 if share >= 0 else 200 - width,
                    "width": round(width, 1),
                    "label": f"{labels[measure]} — {group_label}",
                    "group": group,
                    "value": change.mean,
                    "suppressed": change.suppressed,
                }
            )
            row += 1
    return {"bars": bars, "height": 20 + row * 22}
