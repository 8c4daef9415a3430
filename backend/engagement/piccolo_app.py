"""Piccolo app for the engagement domain."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.engagement.tables import Answer, AnswerTheme, Follower, Question, SiteFeedback, Update

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="engagement",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Question, Answer, AnswerTheme, Update, Follower, SiteFeedback],
    migration_dependencies=[],
    commands=[],
)
