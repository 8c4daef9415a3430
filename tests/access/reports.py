"""Expected access to the reports domain's routes: (method, path template) -> roles allowed.

Residents report without an account (PUBLIC); the private token is the key to one report. Partners and
facilitators never reach reports; members see only aggregates (never text); officers and admins run the desk.
"""

from __future__ import annotations

from tests.access.roles import ADMIN, MEMBER, OFFICER, PUBLIC

ANYONE = frozenset({PUBLIC})
DESK = frozenset({OFFICER, ADMIN})
AGGREGATES = frozenset({MEMBER, OFFICER, ADMIN})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/reports"): ANYONE,
    ("GET", "/reports/new"): ANYONE,
    ("POST", "/reports/new"): ANYONE,
    ("GET", "/reports/sent"): ANYONE,
    ("GET", "/reports/r/{token:str}"): ANYONE,
    ("POST", "/reports/r/{token:str}/add"): ANYONE,
    ("GET", "/desk/reports"): DESK,
    ("GET", "/desk/reports/{report_id:int}"): DESK,
    ("POST", "/desk/reports/{report_id:int}/triage"): DESK,
    ("POST", "/desk/reports/{report_id:int}/assign"): DESK,
    ("POST", "/desk/reports/{report_id:int}/status"): DESK,
    ("POST", "/desk/reports/{report_id:int}/close"): DESK,
    ("POST", "/desk/reports/{report_id:int}/reopen"): DESK,
    ("POST", "/desk/reports/{report_id:int}/reply"): DESK,
    ("POST", "/desk/reports/{report_id:int}/redact"): DESK,
    ("POST", "/desk/reports/{report_id:int}/refer"): DESK,
    ("POST", "/desk/reports/{report_id:int}/thread"): DESK,
    ("POST", "/desk/referrals/{referral_id:int}/approve"): DESK,
    ("POST", "/desk/referrals/{referral_id:int}/make"): DESK,
    ("GET", "/desk/threads"): DESK,
    ("GET", "/desk/threads/{thread_id:int}"): DESK,
    ("POST", "/desk/threads/{thread_id:int}/counter"): DESK,
    ("GET", "/insight/reports"): DESK,
    ("GET", "/insight/members"): AGGREGATES,
    ("GET", "/insight/members/export.csv"): AGGREGATES,
    ("POST", "/insight/member-divisions"): frozenset({ADMIN}),
    ("POST", "/api/v1/reports"): ANYONE,
    ("GET", "/api/v1/reports/status/{token:str}"): ANYONE,
    ("POST", "/api/v1/reports/status/{token:str}/information"): ANYONE,
    ("GET", "/api/v1/reports/desk"): DESK,
    ("POST", "/api/v1/reports/desk/{report_id:int}/triage"): DESK,
    ("POST", "/api/v1/reports/desk/{report_id:int}/close"): DESK,
    ("POST", "/api/v1/reports/desk/{report_id:int}/reply"): DESK,
}
