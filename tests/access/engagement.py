"""Expected access to the engagement domain's routes (Have your say, "You said, we did", feedback on Hearby).

Written from the issue, not from the guards: residents answer, read and follow without an account; officers
(and admins) publish questions and entries, moderate and read feedback; members read only the suppressed
counts by theme and area.
"""

from __future__ import annotations

from tests.access.roles import ADMIN, MEMBER, OFFICER, PUBLIC

ANYONE = frozenset({PUBLIC})
OFFICERS = frozenset({OFFICER, ADMIN})
INSIGHT = frozenset({OFFICER, ADMIN, MEMBER})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Have your say
    ("GET", "/have-your-say"): ANYONE,
    ("GET", "/have-your-say/{question_id:int}"): ANYONE,
    ("POST", "/have-your-say/{question_id:int}"): ANYONE,
    ("GET", "/have-your-say/{question_id:int}/thanks"): ANYONE,
    ("GET", "/have-your-say/{question_id:int}/answers"): ANYONE,
    # "You said, we did"
    ("GET", "/you-said-we-did"): ANYONE,
    ("POST", "/you-said-we-did/follow"): ANYONE,
    ("GET", "/you-said-we-did/follow/check-email"): ANYONE,
    ("GET", "/you-said-we-did/confirm/{token:str}"): ANYONE,
    ("POST", "/you-said-we-did/confirm/{token:str}"): ANYONE,
    ("GET", "/you-said-we-did/unsubscribe/{token:str}"): ANYONE,
    ("POST", "/you-said-we-did/unsubscribe/{token:str}"): ANYONE,
    # Feedback on Hearby
    ("GET", "/feedback"): ANYONE,
    ("POST", "/feedback"): ANYONE,
    ("GET", "/feedback/thanks"): ANYONE,
    # Officers
    ("GET", "/officer/engagement"): OFFICERS,
    ("GET", "/officer/engagement/questions/new"): OFFICERS,
    ("POST", "/officer/engagement/questions"): OFFICERS,
    ("GET", "/officer/engagement/questions/{question_id:int}"): OFFICERS,
    ("POST", "/officer/engagement/questions/{question_id:int}/withdraw"): OFFICERS,
    ("GET", "/officer/engagement/moderation"): OFFICERS,
    ("GET", "/officer/engagement/answers/{answer_id:int}"): OFFICERS,
    ("POST", "/officer/engagement/answers/{answer_id:int}/publish"): OFFICERS,
    ("POST", "/officer/engagement/answers/{answer_id:int}/hide"): OFFICERS,
    ("POST", "/officer/engagement/answers/{answer_id:int}/themes"): OFFICERS,
    ("GET", "/officer/engagement/updates/new"): OFFICERS,
    ("POST", "/officer/engagement/updates"): OFFICERS,
    ("GET", "/officer/engagement/feedback"): OFFICERS,
    ("GET", "/officer/engagement/themes"): INSIGHT,
    # The API
    ("GET", "/api/v1/questions"): ANYONE,
    ("GET", "/api/v1/questions/{question_id:int}"): ANYONE,
    ("GET", "/api/v1/questions/{question_id:int}/answers"): ANYONE,
    ("POST", "/api/v1/questions/{question_id:int}/answers"): ANYONE,
    ("GET", "/api/v1/you-said-we-did"): ANYONE,
    ("POST", "/api/v1/you-said-we-did/followers"): ANYONE,
    ("POST", "/api/v1/feedback"): ANYONE,
    ("GET", "/api/v1/engagement/moderation"): OFFICERS,
    ("POST", "/api/v1/engagement/answers/{answer_id:int}/publish"): OFFICERS,
    ("POST", "/api/v1/engagement/answers/{answer_id:int}/hide"): OFFICERS,
    ("PUT", "/api/v1/engagement/answers/{answer_id:int}/themes"): OFFICERS,
    ("GET", "/api/v1/engagement/themes"): OFFICERS,
}
