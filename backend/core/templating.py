"""The one Jinja environment, owned by Litestar's TemplateConfig (so url_for and CSRF stay available)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    pass_context,
    select_autoescape,
)
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from backend.core.auth import CurrentUser, current_user
from backend.core.i18n import LOCALES_DIR, install_i18n
from backend.settings import REPO_ROOT, Settings

FRONTEND_DIR = REPO_ROOT / "frontend"
TEMPLATES_DIR = FRONTEND_DIR / "templates"
STATIC_DIR = FRONTEND_DIR / "static"
DIST_DIR = STATIC_DIR / "dist"
PWA_DIR = FRONTEND_DIR / "pwa"


def asset_version(release: str = "") -> str:
    """A content hash of the built front end, the templates and the catalogues.

    It cache-busts asset URLs and names the service worker's caches, so a release that changes any of
    them (the offline pages are rendered from templates and catalogues) installs a new worker.
    """
    manifest = DIST_DIR / "manifest.json"
    if not manifest.exists():
        raise RuntimeError("The front end is not built: run `scripts/bootstrap` (npm ci and npm run build).")
    digest = hashlib.sha256(json.loads(manifest.read_text())["version"].encode())
    digest.update(release.encode())  # a deployment's own identifier, when the platform gives one
    for path in sorted([*TEMPLATES_DIR.rglob("*.html"), *LOCALES_DIR.rglob("*.po")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build_environment(settings: Settings, templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """A Jinja environment with our templates, the GOV.UK macros and request-aware i18n."""
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(templates_dir)),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=False),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are part of the release (hashed into `asset_version` at start-up): no stat() per render.
        auto_reload=False,
    )
    install_i18n(environment)
    environment.globals["form_error_list"] = form_error_list
    environment.globals["signed_in_user"] = _signed_in_user
    version = asset_version(settings.release)
    environment.globals.update(
        site_name=settings.site_name,
        council_name=settings.council_name,
        asset_version=version,
        dev_tools=settings.dev_tools,
    )
    return environment


@pass_context
def _signed_in_user(context: Any) -> CurrentUser | None:
    request = context.get("request")
    return current_user(request) if request is not None else None


def form_error_list(form: Any) -> list[dict[str, str]]:
    """The GOV.UK error summary's list: each error links to its field."""
    return [{"text": message, "href": f"#{name}"} for name, message in form.errors.items()]


def template_config(settings: Settings) -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template configuration around our environment."""
    environment = build_environment(settings)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_url(path: str, version: str) -> str:
    """A cache-busted URL for a file under frontend/static."""
    return f"/static/{path}?v={version}"
