"""Piccolo app for the notifications domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.notifications.tables import ExchangeDevice, PushDelivery, PushSubscription, ReportDevice

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[PushSubscription, PushDelivery, ReportDevice, ExchangeDevice],
    migration_dependencies=[],
    commands=[],
)
