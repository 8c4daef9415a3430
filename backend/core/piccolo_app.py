"""Piccolo app for the cross-cutting tables (audit log, outbox)."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.core.tables import AuditEntry, OutboxJob

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[AuditEntry, OutboxJob],
    migration_dependencies=[],
    commands=[],
)
