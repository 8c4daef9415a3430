"""Piccolo app for the areas domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.areas.tables import District, Division, PostcodeDistrict, PostcodePoint

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="areas",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[District, Division, PostcodeDistrict, PostcodePoint],
    migration_dependencies=[],
    commands=[],
)
