"""Piccolo's configuration, read only by Piccolo's command line (migrations), which finds it by name and reads
DATABASE_URL here. The app, the worker and the CLI build their own engine from the settings they are given;
building this one touches no file (see `backend.core.db.make_engine`).
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from backend.core.db import PICCOLO_APPS, make_engine
from backend.settings import Settings

DB = make_engine(Settings.from_env().database_url)
APP_REGISTRY = AppRegistry(apps=PICCOLO_APPS)
