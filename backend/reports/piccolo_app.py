"""Piccolo app for the reports domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.reports.tables import MemberDivision, Referral, Report, ReportContact, ReportMessage, RumourThread

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Report, ReportContact, ReportMessage, RumourThread, Referral, MemberDivision],
    migration_dependencies=[],
    commands=[],
)
