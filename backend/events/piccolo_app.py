"""Piccolo app for the events domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.events.tables import Category, Event, EventDecision, EventTranslation, Listing, Occurrence

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Category, Event, EventTranslation, Occurrence, EventDecision, Listing],
    migration_dependencies=[],
    commands=[],
)
