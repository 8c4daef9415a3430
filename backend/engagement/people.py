"""What the engagement domain holds about a person, and forgetting it when their account is deleted."""

from __future__ import annotations

from backend.engagement.tables import Answer, Follower


async def forget_person(user_id: int, email: str) -> None:
    """An account was deleted: its answers stay (they are the consultation's record) but are no longer linked
    to the person, and the email address stops following "You said, we did"."""
    await Answer.update({Answer.user_id: None}).where(Answer.user_id == user_id)
    if email:
        await Follower.delete().where(Follower.email.is_in(list({email, email.strip().lower()})))
