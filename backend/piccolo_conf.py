"""Piccolo's configuration, for its command line (migrations). The app builds its own engine from settings."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from backend.core.db import PICCOLO_APPS, make_engine
from backend.settings import Settings

DB = make_engine(Settings.from_env().database_url)
APP_REGISTRY = AppRegistry(apps=PICCOLO_APPS)
