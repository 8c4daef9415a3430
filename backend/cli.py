"""Management commands: `python -m backend.cli <command>`. Run with --help for the list."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from backend.settings import REPO_ROOT, SUPPORTED_LOCALES, Settings

LOCALES_DIR = REPO_ROOT / "locales"
POT_FILE = LOCALES_DIR / "messages.pot"


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def i18n_extract() -> None:
    """Write locales/messages.pot from the code and templates."""
    _pybabel(
        "extract",
        "-F",
        str(LOCALES_DIR / "babel.cfg"),
        "-k",
        "N_",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "--project",
        "Hearby",
        "-o",
        str(POT_FILE),
        str(REPO_ROOT),
    )


def i18n_update() -> None:
    """Extract, then merge new strings into every catalogue (creating missing ones)."""
    i18n_extract()
    for code in SUPPORTED_LOCALES:
        po = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _pybabel(
                "update",
                "-i",
                str(POT_FILE),
                "-d",
                str(LOCALES_DIR),
                "-l",
                code,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
                "--width",
                "120",  # as the source catalogue is written, so an update changes only what changed
            )
        else:
            _pybabel("init", "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-l", code)
    fill_source_catalogue("en")


def fill_source_catalogue(code: str = "en") -> None:
    """English is the source language: its translations are the messages themselves."""
    from babel.messages.pofile import read_po, write_po

    path = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=code)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=120, omit_header=False)


def i18n_compile() -> None:
    """Compile every catalogue to .mo (a build step; .mo files are not committed)."""
    _pybabel("compile", "-d", str(LOCALES_DIR), "--statistics")


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import forwards

    await forwards(app_name="all")


def migrate(settings: Settings) -> None:
    """Apply every migration to DATABASE_URL."""
    from backend.core.db import prepare_database

    os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
    os.environ["DATABASE_URL"] = settings.database_url  # what Piccolo's own configuration reads
    prepare_database(settings.database_url)
    asyncio.run(_migrate())
    from backend.seed import load_reference_data

    asyncio.run(load_reference_data(settings))


def seed(settings: Settings) -> None:
    """Load demo content for every domain (idempotent: running it twice duplicates nothing)."""
    from backend.seed import seed_demo_content

    if settings.production:
        raise SystemExit("Refusing to load demo content (with its public demo passwords) in production.")

    asyncio.run(seed_demo_content(settings))


async def _invite_admin(settings: Settings, email: str) -> str:
    """Create an admin invitation (for the very first admin of a new installation) and return its link."""
    from backend.accounts.demo import demo_service
    from backend.core.clock import SystemClock
    from backend.core.db import bind_tables, close_engine, make_engine, open_engine

    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        return await demo_service(settings, SystemClock()).people.first_admin_invitation(email)
    finally:
        await close_engine(engine)


async def _delete_account(settings: Settings, email: str) -> bool:
    """Delete one person's account and everything the other domains hold for them (their bookings…)."""
    from backend.accounts.services import AccountsService
    from backend.core.clock import SystemClock
    from backend.core.db import bind_tables, close_engine, make_engine, open_engine
    from backend.core.i18n import load_translations
    from backend.core.mail import EmailRenderer
    from backend.core.templating import build_environment
    from backend.core.throttle import MemoryThrottle
    from backend.wiring import account_hooks

    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    clock = SystemClock()
    renderer = EmailRenderer(build_environment(settings), load_translations(), settings)
    accounts = AccountsService(settings, clock, engine, MemoryThrottle(clock), renderer, hooks=account_hooks(clock))
    try:
        return await accounts.people.delete_account_by_email(email)
    finally:
        await close_engine(engine)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m backend.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("seed", help="load demo content (idempotent)")
    commands.add_parser("setup", help="migrate, then seed")
    invite = commands.add_parser("invite-admin", help="print a one-time link that creates an admin account")
    invite.add_argument("email")
    delete = commands.add_parser(
        "delete-account", help="delete a person's account and what they hold (bookings…), e.g. on an erasure request"
    )
    delete.add_argument("email")
    commands.add_parser("vapid-keys", help="print a new VAPID key pair for web push (as environment variables)")
    i18n = commands.add_parser("i18n", help="translation catalogues")
    i18n.add_argument("action", choices=["extract", "update", "compile"])
    args = parser.parse_args(argv)

    if args.command == "vapid-keys":
        from backend.notifications.vapid import generate_keys

        private_key, public_key = generate_keys()
        print(f"VAPID_PRIVATE_KEY={private_key}\nVAPID_PUBLIC_KEY={public_key}")
        return 0
    if args.command == "i18n":
        {"extract": i18n_extract, "update": i18n_update, "compile": i18n_compile}[args.action]()
        return 0
    settings = Settings.from_env()
    if args.command == "invite-admin":
        print(asyncio.run(_invite_admin(settings, args.email.strip().lower())))
        return 0
    if args.command == "delete-account":
        if not asyncio.run(_delete_account(settings, args.email)):
            print(f"No account uses {args.email}", file=sys.stderr)
            return 1
        print("Account deleted")
        return 0
    if args.command in {"migrate", "setup"}:
        migrate(settings)
    if args.command in {"seed", "setup"}:
        seed(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
