"""Piccolo app for the Listening Exchanges domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.exchanges.tables import (
    ExchangeAvailability,
    ExchangeLeader,
    ExchangePair,
    ExchangeRequest,
    ExchangeSlot,
    ExchangeStance,
    ExchangeSurvey,
    ExchangeTopic,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="exchanges",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        ExchangeTopic,
        ExchangeLeader,
        ExchangeSlot,
        ExchangeRequest,
        ExchangeStance,
        ExchangeAvailability,
        ExchangeSurvey,
        ExchangePair,
    ],
    migration_dependencies=[],
    commands=[],
)
