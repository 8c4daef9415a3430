"""Daily clean-up for accounts (listed in `backend/wiring.py`): spent and expired one-time links, session files.

Retention: a sign-in, reset or invitation link is kept for 7 days after it expired or was used (long
enough to answer "this link has already been used"), then deleted. Sessions kept in files are expired
by the same purge; Redis expires its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar.stores.file import FileStore

from backend.accounts.links import purge_spent_links
from backend.notifications.delivery import CleanupHook, Handler, JobContext

LINK_RETENTION = timedelta(days=7)


async def purge_links(now: datetime, _context: JobContext) -> None:
    """Delete one-time links spent or expired more than LINK_RETENTION ago."""
    await purge_spent_links(now - LINK_RETENTION)


async def purge_session_files(_now: datetime, context: JobContext) -> None:
    """Delete expired sessions from the file store (the embedded default; Redis expires its own)."""
    settings = context.settings
    if settings.redis_url:
        return
    sessions = settings.data_dir / "sessions"
    if sessions.exists():
        await FileStore(path=sessions).delete_expired()


JOB_HANDLERS: dict[str, Handler] = {}
CLEANUPS: dict[str, CleanupHook] = {
    "accounts.spent_links": purge_links,
    "accounts.session_files": purge_session_files,
}
