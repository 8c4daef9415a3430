"""Bookings: anyone may book and join a waiting list without an account; the links emailed to them (a token) are the
key to their booking; a signed-in resident manages theirs from their account; a partner reads feedback on their
events; officers and admins moderate feedback."""

from __future__ import annotations

from tests.access.roles import ADMIN, OFFICER, PARTNER, PUBLIC, SIGNED_IN

_DATE = "/events/{event_id:int}/{occurrence_id:int}"

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", f"{_DATE}/book"): frozenset({PUBLIC}),
    ("POST", f"{_DATE}/book"): frozenset({PUBLIC}),
    ("POST", f"{_DATE}/waitlist"): frozenset({PUBLIC}),
    ("GET", f"{_DATE}/waitlist/joined"): frozenset({PUBLIC}),
    ("GET", f"{_DATE}/check-email"): frozenset({PUBLIC}),
    ("POST", "/api/v1/events/{event_id:int}/occurrences/{occurrence_id:int}/bookings"): frozenset({PUBLIC}),
    # The links in the emails.
    ("GET", "/bookings/{token:str}"): frozenset({PUBLIC}),
    ("GET", "/bookings/{token:str}/calendar.ics"): frozenset({PUBLIC}),
    ("GET", "/bookings/{token:str}/cancel"): frozenset({PUBLIC}),
    ("POST", "/bookings/{token:str}/cancel"): frozenset({PUBLIC}),
    ("GET", "/bookings/{token:str}/feedback"): frozenset({PUBLIC}),
    ("POST", "/bookings/{token:str}/feedback"): frozenset({PUBLIC}),
    ("DELETE", "/api/v1/bookings/{token:str}"): frozenset({PUBLIC}),
    ("GET", "/waitlist/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/waitlist/{token:str}/accept"): frozenset({PUBLIC}),
    ("POST", "/waitlist/{token:str}/decline"): frozenset({PUBLIC}),
    ("GET", "/waitlist/place/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/waitlist/place/{token:str}/leave"): frozenset({PUBLIC}),
    # From one's account.
    ("POST", "/account/bookings/{booking_id:int}/cancel"): frozenset({SIGNED_IN}),
    ("POST", "/account/waitlist/{entry_id:int}/leave"): frozenset({SIGNED_IN}),
    # Feedback.
    ("GET", "/partner/events/{event_id:int}/feedback"): frozenset({PARTNER}),
    ("GET", "/officer/feedback"): frozenset({OFFICER, ADMIN}),
    ("POST", "/officer/feedback/{feedback_id:int}/hide"): frozenset({OFFICER, ADMIN}),
}
