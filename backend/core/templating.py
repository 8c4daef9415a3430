"""The one Jinja environment, owned by Litestar's TemplateConfig (so url_for and CSRF stay available)."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from backend.core.i18n import install_i18n
from backend.settings import REPO_ROOT, Settings

FRONTEND_DIR = REPO_ROOT / "frontend"
TEMPLATES_DIR = FRONTEND_DIR / "templates"
STATIC_DIR = FRONTEND_DIR / "static"
DIST_DIR = STATIC_DIR / "dist"
PWA_DIR = FRONTEND_DIR / "pwa"


def asset_version() -> str:
    """The front-end build's content hash (cache-busts assets and names the service worker's caches)."""
    manifest = DIST_DIR / "manifest.json"
    if not manifest.exists():
        raise RuntimeError(
            "The front end is not built: run `npm --prefix frontend ci && npm --prefix frontend run build`."
        )
    return str(json.loads(manifest.read_text())["version"])


def build_environment(settings: Settings, templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """A Jinja environment with our templates, the GOV.UK macros and request-aware i18n."""
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(templates_dir)),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_i18n(environment)
    version = asset_version()
    environment.globals.update(
        site_name=settings.site_name,
        council_name=settings.council_name,
        asset_version=version,
        dev_tools=settings.dev_tools,
    )
    return environment


def template_config(settings: Settings) -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template configuration around our environment."""
    environment = build_environment(settings)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_url(path: str, version: str) -> str:
    """A cache-busted URL for a file under frontend/static."""
    return f"/static/{path}?v={version}"
