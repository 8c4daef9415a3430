"""Events: finding events is for everyone; posting and running them is for partners (on the pages and the API);
approving, hiding and the categories are for officers and admins."""

from __future__ import annotations

from tests.access.roles import ADMIN, OFFICER, PARTNER, PUBLIC

_PARTNER = frozenset({PARTNER})
_MODERATORS = frozenset({OFFICER, ADMIN})
_EVENT = "/partner/events/{event_id:int}"
_DATE = "/partner/events/{event_id:int}/occurrences/{occurrence_id:int}"
_API_EVENT = "/api/v1/partner/events/{event_id:int}"
_API_DATE = "/api/v1/partner/events/{event_id:int}/occurrences/{occurrence_id:int}"

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Finding events.
    ("GET", "/events"): frozenset({PUBLIC}),
    ("GET", "/events/embed"): frozenset({PUBLIC}),
    ("GET", "/events/feed.atom"): frozenset({PUBLIC}),
    ("GET", "/events/feed.ics"): frozenset({PUBLIC}),
    ("GET", "/events/{event_ref:str}"): frozenset({PUBLIC}),
    ("GET", "/events/{event_ref:str}/{occurrence_ref:str}"): frozenset({PUBLIC}),
    ("GET", "/api/v1/events"): frozenset({PUBLIC}),
    ("GET", "/api/v1/events/{event_id:int}"): frozenset({PUBLIC}),
    ("GET", "/api/v1/events/{event_id:int}/calendar.ics"): frozenset({PUBLIC}),
    # A partner's events, on the pages.
    ("GET", "/partner/events"): _PARTNER,
    ("GET", "/partner/events/new"): _PARTNER,
    ("POST", "/partner/events/new"): _PARTNER,
    ("GET", _EVENT): _PARTNER,
    ("GET", f"{_EVENT}/edit"): _PARTNER,
    ("POST", f"{_EVENT}/edit"): _PARTNER,
    ("POST", f"{_EVENT}/duplicate"): _PARTNER,
    ("POST", f"{_EVENT}/cancel"): _PARTNER,
    ("GET", f"{_EVENT}/attendees"): _PARTNER,
    ("GET", f"{_DATE}/attendees.csv"): _PARTNER,
    ("POST", f"{_DATE}/cancel"): _PARTNER,
    ("GET", f"{_DATE}/change"): _PARTNER,
    ("POST", f"{_DATE}/change"): _PARTNER,
    ("POST", f"{_DATE}/message"): _PARTNER,
    # … and through the API.
    ("GET", "/api/v1/partner/events"): _PARTNER,
    ("POST", "/api/v1/partner/events"): _PARTNER,
    ("PUT", _API_EVENT): _PARTNER,
    ("POST", f"{_API_EVENT}/duplicate"): _PARTNER,
    ("POST", f"{_API_EVENT}/cancel"): _PARTNER,
    ("GET", f"{_API_DATE}/attendees"): _PARTNER,
    ("POST", f"{_API_DATE}/cancel"): _PARTNER,
    ("POST", f"{_API_DATE}/change"): _PARTNER,
    ("POST", f"{_API_DATE}/message"): _PARTNER,
    # Moderation and categories.
    ("GET", "/officer/events/queue"): _MODERATORS,
    ("GET", "/officer/events/{event_id:int}"): _MODERATORS,
    ("POST", "/officer/events/{event_id:int}/approve"): _MODERATORS,
    ("POST", "/officer/events/{event_id:int}/reject"): _MODERATORS,
    ("POST", "/officer/events/{event_id:int}/hide"): _MODERATORS,
    ("GET", "/officer/categories"): _MODERATORS,
    ("POST", "/officer/categories"): _MODERATORS,
    ("POST", "/officer/categories/{category_id:int}/rename"): _MODERATORS,
    ("POST", "/officer/categories/{category_id:int}/active"): _MODERATORS,
}
