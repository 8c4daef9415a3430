"""Piccolo app for the bookings domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.bookings.tables import Booking, Feedback, WaitlistEntry

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="bookings",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Booking, WaitlistEntry, Feedback],
    migration_dependencies=[],
    commands=[],
)
