"""Piccolo app for the accounts domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import EmailToken, Membership, Organisation, RecoveryCode, RoleGrant, User

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Organisation, User, RoleGrant, Membership, RecoveryCode, EmailToken],
    migration_dependencies=[],
    commands=[],
)
