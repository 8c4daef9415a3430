"""Listening Exchanges: who may reach each route (method, path template as the route lists it)."""

from __future__ import annotations

from tests.access.roles import PUBLIC

OFFICERS = frozenset({"officer", "admin"})
FACILITATORS = frozenset({"facilitator", "officer", "admin"})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Residents: anyone, signed in or not (a request is reached by its private token).
    ("GET", "/exchanges"): frozenset({PUBLIC}),
    ("GET", "/exchanges/topics/{slug:str}"): frozenset({PUBLIC}),
    ("GET", "/exchanges/topics/{slug:str}/request"): frozenset({PUBLIC}),
    ("POST", "/exchanges/topics/{slug:str}/request"): frozenset({PUBLIC}),
    ("POST", "/exchanges/topics/{slug:str}/request/send"): frozenset({PUBLIC}),
    ("GET", "/exchanges/requests/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/exchanges/requests/{token:str}/slots"): frozenset({PUBLIC}),
    ("POST", "/exchanges/requests/{token:str}/withdraw"): frozenset({PUBLIC}),
    ("POST", "/exchanges/requests/{token:str}/leader/{slot_id:int}"): frozenset({PUBLIC}),
    ("GET", "/exchanges/requests/{token:str}/calendar.ics"): frozenset({PUBLIC}),
    ("GET", "/exchanges/requests/{token:str}/survey/{wave:str}"): frozenset({PUBLIC}),
    ("POST", "/exchanges/requests/{token:str}/survey/{wave:str}"): frozenset({PUBLIC}),
    ("GET", "/api/v1/exchanges/topics"): frozenset({PUBLIC}),
    ("GET", "/api/v1/exchanges/topics/{slug:str}/slots"): frozenset({PUBLIC}),
    ("POST", "/api/v1/exchanges/requests"): frozenset({PUBLIC}),
    ("GET", "/api/v1/exchanges/requests/{token:str}"): frozenset({PUBLIC}),
    # Officers (and admins) set up, match, evaluate and export.
    ("GET", "/officer/exchanges"): OFFICERS,
    ("GET", "/officer/exchanges/topics/new"): OFFICERS,
    ("POST", "/officer/exchanges/topics/new"): OFFICERS,
    ("POST", "/officer/exchanges/topics/{topic_id:int}/control"): OFFICERS,
    ("GET", "/officer/exchanges/slots/new"): OFFICERS,
    ("POST", "/officer/exchanges/slots/new"): OFFICERS,
    ("GET", "/officer/exchanges/leaders/new"): OFFICERS,
    ("POST", "/officer/exchanges/leaders/new"): OFFICERS,
    ("GET", "/officer/exchanges/slots/{slot_id:int}"): OFFICERS,
    ("POST", "/officer/exchanges/slots/{slot_id:int}/match"): OFFICERS,
    ("POST", "/officer/exchanges/slots/{slot_id:int}/cancel"): OFFICERS,
    ("GET", "/officer/exchanges/slots/{slot_id:int}/edit"): OFFICERS,
    ("POST", "/officer/exchanges/slots/{slot_id:int}/edit"): OFFICERS,
    ("GET", "/officer/exchanges/evaluation"): OFFICERS,
    ("POST", "/officer/exchanges/export.csv"): OFFICERS,
    ("GET", "/officer/exchanges/export/dictionary"): OFFICERS,
    ("POST", "/api/v1/exchanges/slots/{slot_id:int}/matching"): OFFICERS,
    ("GET", "/api/v1/exchanges/evaluation"): OFFICERS,
    # Facilitators run their sessions (officers and admins may too).
    ("GET", "/facilitator/exchanges"): FACILITATORS,
    ("GET", "/facilitator/exchanges/slots/{slot_id:int}"): FACILITATORS,
    ("POST", "/facilitator/exchanges/pairs/{pair_id:int}/attendance"): FACILITATORS,
    ("POST", "/api/v1/exchanges/pairs/{pair_id:int}/attendance"): FACILITATORS,
}
