"""Daily clean-up for accounts (imported by the worker at start): spent and expired one-time links.

Retention: a sign-in, reset or invitation link is kept for 7 days after it expired or was used (long
enough to answer "this link has already been used"), then deleted. Sessions kept in files are expired
by the same purge; Redis expires its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar.stores.file import FileStore

from backend.accounts.services import purge_spent_links
from backend.core.outbox import register_cleanup
from backend.settings import Settings

LINK_RETENTION = timedelta(days=7)


async def _purge_links(now: datetime) -> None:
    await purge_spent_links(now - LINK_RETENTION)


async def _purge_session_files(_now: datetime) -> None:
    settings = Settings.from_env()
    if settings.redis_url:
        return
    sessions = settings.data_dir / "sessions"
    if sessions.exists():
        await FileStore(path=sessions).delete_expired()


register_cleanup("accounts.spent_links", _purge_links)
register_cleanup("accounts.session_files", _purge_session_files)
