"""Reading and checking the exchanges' forms: the resident's steps, the questionnaires, officers' set-up forms.

No queries here: what needs the database (which slots are open) is passed in.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request

from backend.core.forms import Form, check_email, check_length, check_required
from backend.core.i18n import N_
from backend.exchanges.common import ACCESS, LANGUAGES, MAX_STATEMENTS, MIN_STATEMENTS, Intake, SlotView, TopicView
from backend.exchanges.sessions import SurveyAnswers
from backend.exchanges.setup import LeaderInput, SessionDetails, SlotInput, TopicInput

STEPS = ("stances", "consent", "before", "slots", "about")
STANCE_FIELDS = tuple(f"stance_{i}" for i in range(1, MAX_STATEMENTS + 1))
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "stances": STANCE_FIELDS,
    "consent": ("consent", "adult"),
    "before": ("thermometer", "understanding", "willingness"),
    "slots": ("slots",),
    "about": ("languages", "needs", "first_name", "email"),
}
LIST_FIELDS = ("slots", "languages", "needs")
VALUE_FIELDS = (
    *STANCE_FIELDS,
    "consent",
    "adult",
    "thermometer",
    "understanding",
    "willingness",
    "first_name",
    "email",
    "nonce",
)
MAX_FIRST_NAME = 80
# Each scale's own error: the summary lists them together, so each says which question it is about.
SCALE_ERRORS = {
    "understanding": N_("Choose how well you understand why people hold the opposite view, from 1 to 7"),
    "willingness": N_("Choose how willing you are to talk with someone who disagrees with you, from 1 to 7"),
}


def _int_in(form: Form, name: str, low: int, high: int) -> int | None:
    raw = form.values.get(name, "")
    if not raw.isdigit() or len(raw) > 3:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def check_step(  # noqa: PLR0912 - one branch per step and field
    request: Request[Any, Any, Any], form: Form, step: str, topic: TopicView, open_slots: set[int]
) -> None:
    """Record the errors of one step (what was typed stays in `form`)."""
    if step == "stances":
        for index in range(1, len(topic.statements) + 1):
            if _int_in(form, f"stance_{index}", 1, 5) is None:
                message = N_("Choose how far you agree with statement %(number)s")
                form.add_error(request, f"stance_{index}", message, number=index)
    elif step == "consent":
        if form.values.get("consent") != "yes":
            form.add_error(request, "consent", N_("Tick the box to say you agree, or you cannot take part"))
        if form.values.get("adult") != "yes":
            form.add_error(request, "adult", N_("Listening Exchanges are for people aged 18 or over"))
    elif step == "before":
        if _int_in(form, "thermometer", 0, 100) is None:
            form.add_error(request, "thermometer", N_("Enter a number from 0 to 100"))
        for name, message in SCALE_ERRORS.items():
            if _int_in(form, name, 1, 7) is None:
                form.add_error(request, name, message)
    elif step == "slots":
        chosen = form.lists.get("slots", [])
        if not any(value.isdigit() and int(value) in open_slots for value in chosen):
            form.add_error(request, "slots", N_("Choose at least one session you could attend"))
    elif step == "about":
        if not [code for code in form.lists.get("languages", []) if code in LANGUAGES]:
            form.add_error(request, "languages", N_("Choose at least one language you could talk in"))
        check_required(request, form, "first_name", N_("Enter the first name you would like to be called"))
        check_length(request, form, "first_name", MAX_FIRST_NAME)
        check_email(request, form)


def first_step_with_errors(
    request: Request[Any, Any, Any], form: Form, topic: TopicView, open_slots: set[int]
) -> str | None:
    """Check every step (a whole request arrives at once when sent from the offline queue); the first failing."""
    for step in STEPS:
        check_step(request, form, step, topic, open_slots)
        if not form.ok:
            return step
    return None


def intake_from(form: Form, topic: TopicView, locale: str, user_id: int | None, request_key: str | None) -> Intake:
    """The checked form as an Intake."""
    return Intake(
        topic_id=topic.id,
        stances=[int(form.values[f"stance_{i}"]) for i in range(1, len(topic.statements) + 1)],
        thermometer=int(form.values["thermometer"]),
        understanding=int(form.values["understanding"]),
        willingness=int(form.values["willingness"]),
        slot_ids=sorted({int(v) for v in form.lists.get("slots", []) if v.isdigit() and len(v) < 10}),
        languages=[code for code in LANGUAGES if code in form.lists.get("languages", [])],
        needs=[code for code in ACCESS if code in form.lists.get("needs", [])],
        first_name=form.values["first_name"],
        email=form.values["email"].lower(),
        locale=locale,
        user_id=user_id,
        request_key=request_key,
    )


def check_survey(request: Request[Any, Any, Any], form: Form, wave: str) -> SurveyAnswers | None:
    """The after (with heard, understand better, comment) or follow-up questionnaire."""
    check_step(request, form, "before", _NO_TOPIC, set())
    heard = understand = None
    if wave == "after":
        heard = _int_in(form, "heard", 1, 7)
        understand = _int_in(form, "understand_better", 1, 7)
        if heard is None:
            form.add_error(request, "heard", N_("Choose how far you felt heard, from 1 to 7"))
        if understand is None:
            form.add_error(
                request, "understand_better", N_("Choose how far you understand their view better, from 1 to 7")
            )
        check_length(request, form, "comment", 2000)
    if not form.ok:
        return None
    return SurveyAnswers(
        thermometer=int(form.values["thermometer"]),
        understanding=int(form.values["understanding"]),
        willingness=int(form.values["willingness"]),
        heard=heard,
        understand_better=understand,
        comment=form.values.get("comment", "") if wave == "after" else "",
        comment_shared=form.values.get("comment_shared") == "yes",
        comment_to_council=form.values.get("comment_to_council") == "yes",
    )


_NO_TOPIC = TopicView(0, "", "", "", [], 0, 0, "en")


# --- officers' set-up forms ------------------------------------------------------------------------------


def check_topic(request: Request[Any, Any, Any], form: Form, locales: tuple[str, ...]) -> TopicInput | None:
    """A topic: English title, summary, 3-5 statements (one per line), optional translations, threshold."""
    check_required(request, form, "title_en", N_("Enter a title"))
    check_length(request, form, "title_en", 200)
    check_required(request, form, "summary_en", N_("Enter a neutral summary"))
    check_length(request, form, "summary_en", 4000)
    statements = [line.strip() for line in form.values.get("statements_en", "").splitlines() if line.strip()]
    if not MIN_STATEMENTS <= len(statements) <= MAX_STATEMENTS:
        form.add_error(request, "statements_en", N_("Enter 3 to 5 statements, one on each line"))
    content: dict[str, dict[str, Any]] = {
        "en": {
            "title": form.values.get("title_en", ""),
            "summary": form.values.get("summary_en", ""),
            "statements": statements,
        }
    }
    for code in locales:
        if code == "en":
            continue
        title = form.values.get(f"title_{code}", "")
        translated = [line.strip() for line in form.values.get(f"statements_{code}", "").splitlines() if line.strip()]
        if translated and len(translated) != len(statements):
            form.add_error(
                request, f"statements_{code}", N_("Enter as many statements as in English, in the same order")
            )
        if title:
            content[code] = {
                "title": title,
                "summary": form.values.get(f"summary_{code}", ""),
                "statements": translated,
            }
    threshold = _int_in(form, "min_disagreement", 1, 4 * MAX_STATEMENTS)
    if threshold is None:
        form.add_error(request, "min_disagreement", N_("Enter a number from 1 to 20"))
    share = _int_in(form, "control_share", 0, 50) if form.values.get("control_share") else 0
    if share is None:
        form.add_error(request, "control_share", N_("Enter a percentage from 0 to 50"))
    if not form.ok or threshold is None or share is None:
        return None
    return TopicInput(content=content, min_disagreement=threshold, control_share=share)


def _local_datetime(form: Form, date_name: str, time_name: str, zone: str) -> datetime | None:
    try:
        day = datetime.strptime(form.values.get(date_name, ""), "%Y-%m-%d")
        clock = datetime.strptime(form.values.get(time_name, ""), "%H:%M")
    except ValueError:
        return None
    return day.replace(hour=clock.hour, minute=clock.minute, tzinfo=ZoneInfo(zone))


def check_slot(
    request: Request[Any, Any, Any],
    form: Form,
    *,
    topic_ids: set[int],
    facilitators: dict[int, str],
    leader_ids: set[int],
    zone: str,
    now: datetime,
) -> SlotInput | None:
    """A slot: topic, the session's details (see `check_session`), and a community leader or none."""
    topic = _int_in(form, "topic_id", 1, 10**9) if form.values.get("topic_id", "").isdigit() else None
    if topic is None or topic not in topic_ids:
        form.add_error(request, "topic_id", N_("Choose a topic"))
    details = check_session(request, form, facilitators=facilitators, zone=zone, now=now)
    leader_raw = form.values.get("leader_id", "")
    leader = int(leader_raw) if leader_raw.isdigit() and len(leader_raw) < 10 else None
    if leader is not None and leader not in leader_ids:
        form.add_error(request, "leader_id", N_("Choose a leader of this topic, or none"))
    if not form.ok or details is None or topic is None:
        return None
    return SlotInput(topic_id=topic, leader_id=leader, **asdict(details))


def check_session(
    request: Request[Any, Any, Any], form: Form, *, facilitators: dict[int, str], zone: str, now: datetime
) -> SessionDetails | None:
    """A session's details, as set up and as edited: date, start and end time, cut-off (hours before), in person
    (venue, postcode, area, access) or online (link), facilitator, pairs, languages, interpreter."""
    starts = _local_datetime(form, "date", "start", zone)
    ends = _local_datetime(form, "date", "end", zone)
    if starts is None:
        form.add_error(request, "date", N_("Enter a date and a start time"))
    elif starts <= now:
        form.add_error(request, "date", N_("The session must be in the future"))
    if ends is None or (starts is not None and ends <= starts):
        form.add_error(request, "end", N_("Enter an end time after the start time"))
    cut_off_hours = _int_in(form, "cut_off_hours", 1, 720)
    if cut_off_hours is None:
        form.add_error(request, "cut_off_hours", N_("Enter a number of hours from 1 to 720"))
    online = form.values.get("mode") == "online"
    if online:
        link = form.values.get("online_link", "")
        if not link.startswith("https://") or len(link) > 500:
            form.add_error(request, "online_link", N_("Enter the meeting link, starting with https://"))
    else:
        check_required(request, form, "venue", N_("Enter the venue"))
        check_length(request, form, "venue", 200)
        check_required(request, form, "postcode", N_("Enter the venue's postcode"))
        check_length(request, form, "postcode", 10)
    check_length(request, form, "area", 120)
    facilitator_raw = form.values.get("facilitator_id", "")
    facilitator = int(facilitator_raw) if facilitator_raw.isdigit() and len(facilitator_raw) < 10 else None
    if facilitator not in facilitators:
        form.add_error(request, "facilitator_id", N_("Choose a facilitator"))
    pairs = _int_in(form, "pairs_capacity", 1, 50)
    if pairs is None:
        form.add_error(request, "pairs_capacity", N_("Enter a number of pairs from 1 to 50"))
    languages = [code for code in LANGUAGES if code in form.lists.get("languages", [])]
    if not languages:
        form.add_error(request, "languages", N_("Choose at least one language"))
    if not form.ok or starts is None or ends is None or cut_off_hours is None or pairs is None:
        return None
    return SessionDetails(
        starts_at=starts,
        ends_at=ends,
        cut_off_at=starts - timedelta(hours=cut_off_hours),
        online=online,
        venue="" if online else form.values.get("venue", ""),
        postcode="" if online else form.values.get("postcode", "").upper(),
        area=form.values.get("area", ""),
        features=[code for code in ACCESS if code in form.lists.get("features", [])],
        online_link=form.values.get("online_link", "") if online else "",
        facilitator_id=facilitator,
        facilitator_name=facilitators.get(facilitator or 0, "").split(" ")[0],
        pairs_capacity=pairs,
        languages=languages,
        interpreter=form.values.get("interpreter") == "yes",
    )


def session_form(slot: SlotView, zone: str) -> Form:
    """The edit form filled in with a session as it stands (times where the council is)."""
    local = ZoneInfo(zone)
    starts, ends = slot.starts_at.astimezone(local), slot.ends_at.astimezone(local)
    hours = round((slot.starts_at - slot.cut_off_at).total_seconds() / 3600)
    return Form(
        values={
            "date": starts.date().isoformat(),
            "start": starts.strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
            "cut_off_hours": str(min(max(hours, 1), 720)),
            "mode": "online" if slot.online else "in_person",
            "venue": slot.venue,
            "postcode": slot.postcode,
            "area": slot.area,
            "online_link": slot.online_link,
            "facilitator_id": str(slot.facilitator_id or ""),
            "pairs_capacity": str(slot.pairs_capacity),
            "interpreter": "yes" if slot.interpreter else "",
        },
        lists={"languages": list(slot.languages), "features": list(slot.features)},
    )


def check_leader(request: Request[Any, Any, Any], form: Form, topics: dict[int, int]) -> LeaderInput | None:
    """A leader: topic, name, role, stance on each statement, short statement. `topics`: id → statements."""
    raw = form.values.get("topic_id", "")
    topic = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if topic not in topics:
        form.add_error(request, "topic_id", N_("Choose a topic"))
    check_required(request, form, "name", N_("Enter the leader's name"))
    check_length(request, form, "name", 120)
    check_length(request, form, "role_title", 200)
    check_length(request, form, "statement", 2000)
    stances = [part.strip() for part in form.values.get("stances", "").replace(",", " ").split()]
    count = topics.get(topic or 0, 0)
    if len(stances) != count or not all(part in {"1", "2", "3", "4", "5"} for part in stances):
        form.add_error(request, "stances", N_("Enter one answer from 1 to 5 for each statement, separated by spaces"))
    if not form.ok or topic is None:
        return None
    return LeaderInput(
        topic_id=topic,
        name=form.values["name"],
        role_title=form.values.get("role_title", ""),
        stances=[int(part) for part in stances],
        statement=form.values.get("statement", ""),
    )
