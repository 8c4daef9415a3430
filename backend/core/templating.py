"""The one Jinja environment, owned by Litestar's TemplateConfig (so url_for and CSRF stay available)."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

import msgspec
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    Undefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2.runtime import Macro
from jinja2.utils import missing
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from backend.core.auth import CurrentUser, current_user
from backend.core.i18n import LOCALES_DIR, PageContext, install_i18n, locale_of, page_vars
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


class StrictUndefinedAttribute(ChainableUndefined):
    """For tests (`STRICT_TEMPLATES`): an attribute an object does not have is an error; a key missing from a
    dict (the GOV.UK macros' optional `params`) stays undefined and chainable."""

    __slots__ = ()

    def _fail_if_strict(self) -> None:
        obj = self._undefined_obj
        if obj is not missing and not isinstance(obj, Mapping | Undefined):
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._fail_if_strict()
        return super().__str__()

    def __bool__(self) -> bool:
        self._fail_if_strict()
        return super().__bool__()

    def __iter__(self) -> Any:
        self._fail_if_strict()
        return super().__iter__()

    def __len__(self) -> int:
        self._fail_if_strict()
        return super().__len__()

    def __eq__(self, other: object) -> bool:
        self._fail_if_strict()
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self._fail_if_strict()
        return super().__ne__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        self._fail_if_strict()
        return self

    def __html__(self) -> str:
        return str(self)


class StrictNamesContext(PageContext):
    """For tests (`STRICT_TEMPLATES`): a name our templates were not given fails when printed or looked into,
    so a misspelt variable fails instead of printing nothing (`if`, `is defined` and `| default` still work)."""

    def resolve_or_missing(self, key: str) -> Any:
        """The value of a name; for a name our own template was not given, an undefined that fails when used.

        (The GOV.UK macros, from a package, read optional names they are not given: they are left as they are.)
        """
        value = super().resolve_or_missing(key)
        if value is missing and _ours(self.name):
            return _OptionalButNotPrinted(name=key, hint=f"{key!r} is undefined in {self.name}")
        return value


class _OptionalButNotPrinted(StrictUndefined):
    """A name the template was not given: false in `{% if name %}` (context a page may leave out), an error
    when printed, iterated, compared or looked into (a misspelling, or context a page forgot)."""

    __slots__ = ()

    def __bool__(self) -> bool:  # type: ignore[override]  # StrictUndefined types it as failing
        return False


@cache
def _ours(template_name: str | None) -> bool:
    return template_name is not None and (TEMPLATES_DIR / template_name).is_file()


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
        undefined=StrictUndefinedAttribute if settings.strict_templates else ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are part of the release (hashed into `asset_version` at start-up): no stat() per render.
        auto_reload=False,
    )
    if settings.strict_templates:
        environment.context_class = StrictNamesContext
    install_i18n(environment)
    environment.globals["form_error_list"] = form_error_list
    environment.globals["memo"] = render_memo()
    environment.globals["signed_in_user"] = _signed_in_user
    version = asset_version(settings.release)
    environment.globals.update(
        site_name=settings.site_name,
        council_name=settings.council_name,
        asset_version=version,
        dev_tools=settings.dev_tools,
    )
    return environment


# Enough for every date on the busiest listing pages in three languages; about 1 KB each.
MEMO_SIZE = 20_000


def render_memo(size: int = MEMO_SIZE) -> Callable[..., Markup]:
    """`memo(macro, *args, **kwargs)`: the macro's HTML for these arguments, rendered once and then reused.

    For fragments that are a function of their arguments and the page's language alone (a result card,
    a select with its options): the key is the macro, the language and every argument, encoded whole, so a
    change to any of them (a new title, a date moved, places taken) is a new key and a fresh render, and
    nothing is ever served stale; the data still comes from the database on every request. What a macro
    reads besides its arguments (the request, a signed-in user) must not change its output. The least
    recently used fragments are dropped beyond `size`.
    """
    fragments: OrderedDict[bytes, Markup] = OrderedDict()
    encode = msgspec.msgpack.Encoder(enc_hook=_memo_key_part).encode

    @pass_eval_context
    def memo(eval_ctx: EvalContext, macro: Macro, *args: Any, **kwargs: Any) -> Markup:
        code = macro._func.__code__
        locale = locale_of(page_vars(eval_ctx))
        key = encode((code.co_filename, code.co_firstlineno, locale, args, sorted(kwargs.items())))
        cached = fragments.get(key)
        if cached is not None:
            fragments.move_to_end(key)
            return cached
        # A macro's output is already Markup (the templates autoescape): kept as it is, not wrapped again.
        fragment = cast("Markup", macro(*args, **kwargs))
        fragments[key] = fragment
        if len(fragments) > size:
            fragments.popitem(last=False)
        return fragment

    return memo


def _memo_key_part(value: Any) -> Any:
    """Markup (an already-escaped string) as a key part kept apart from the same text unescaped."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    raise TypeError(f"memo() cannot key on {type(value).__name__}; pass plain values")


@pass_eval_context
def _signed_in_user(eval_ctx: EvalContext) -> CurrentUser | None:
    request = page_vars(eval_ctx).get("request")
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
