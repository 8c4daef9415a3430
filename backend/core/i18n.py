"""Locale negotiation, catalogues and Babel formatting, per request (nothing global changes per request)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from litestar import Request
from litestar.datastructures import State
from markupsafe import Markup, escape

from backend.settings import REPO_ROOT, RTL_LOCALES, SUPPORTED_LOCALES

LOCALES_DIR = REPO_ROOT / "locales"
LANGUAGE_COOKIE = "hearby_lang"
# Each language named in itself, so a visitor can always find their own.
LANGUAGE_NAMES = {"en": "English", "pl": "Polski", "ur": "اردو"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$|^\*$")


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Mark a string for extraction; it is translated later, when the request's locale is known."""
    return message


def load_translations(locales_dir: Path = LOCALES_DIR) -> dict[str, NullTranslations]:
    """Load every supported catalogue once, at app start."""
    catalogues: dict[str, NullTranslations] = {}
    for code in SUPPORTED_LOCALES:
        catalogues[code] = Translations.load(str(locales_dir), [code], domain="messages")
    return catalogues


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, best first (Babel does not parse q-values)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag or not _LANGUAGE_TAG.match(tag) or tag == "*":
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


# Browsers send a handful of distinct Accept-Language headers, and negotiating one costs more than a page's
# other header work together: each answer is kept (the least recently used dropped beyond the size).
@lru_cache(maxsize=1024)
def negotiate_locale(chosen: str | None, accept_language: str | None, default: str) -> str:
    """The visitor's explicit choice, then Accept-Language, then the default; unknown values fall back."""
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    preferred = [tag.replace("-", "_") for tag in parse_accept_language(accept_language)]
    if preferred:
        match = Locale.negotiate(preferred, list(SUPPORTED_LOCALES), sep="_")
        if match is not None:
            return str(match)
    return default


def text_direction(locale: str) -> str:
    """`rtl` for right-to-left scripts, otherwise `ltr`."""
    return "rtl" if locale.split("_", maxsplit=1)[0] in RTL_LOCALES else "ltr"


# Kept in the request's ASGI scope (a plain dict): a page asks for its language once per translated string,
# and `request.state` builds a new State object on every access.
_SCOPE_LOCALE = "hearby.locale"
_SCOPE_TRANSLATIONS = "hearby.translations"


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The locale of this request, worked out once and kept on the request."""
    scope = cast("dict[str, Any]", request.scope)
    cached = scope.get(_SCOPE_LOCALE)
    if isinstance(cached, str):
        return cached
    app_state: State = request.app.state
    settings = app_state["settings"]
    cookie = request.cookies.get(settings.cookie_name(LANGUAGE_COOKIE))
    locale = negotiate_locale(cookie, request.headers.get("accept-language"), settings.default_locale)
    scope[_SCOPE_LOCALE] = locale
    return locale


def set_request_locale(request: Request[Any, Any, Any], locale: str) -> None:
    """Answer this request in `locale` whatever the cookie says (pages made for one language)."""
    scope = cast("dict[str, Any]", request.scope)
    scope[_SCOPE_LOCALE] = locale
    scope.pop(_SCOPE_TRANSLATIONS, None)


def request_translations(request: Request[Any, Any, Any]) -> NullTranslations:
    """The catalogue for this request's locale."""
    scope = cast("dict[str, Any]", request.scope)
    cached = scope.get(_SCOPE_TRANSLATIONS)
    if isinstance(cached, NullTranslations):
        return cached
    catalogues: dict[str, NullTranslations] = request.app.state["translations"]
    translations = catalogues.get(request_locale(request), catalogues["en"])
    scope[_SCOPE_TRANSLATIONS] = translations
    return translations


def translate(request: Request[Any, Any, Any], message: str, **params: Any) -> str:
    """Translate a message marked with `N_` into the request's language, filling named placeholders."""
    text = request_translations(request).gettext(message)
    return text % params if params else text


# What a template was given: its Context, or (for the functions below that take the evaluation context) the
# render's variables kept by `PageContext`. Either has `.get`.
Vars = Context | Mapping[str, Any]


def _request_of(context: Vars) -> Request[Any, Any, Any]:
    request = context.get("request")
    if request is None:
        raise RuntimeError("Templates need the request in their context to know the language.")
    return request  # type: ignore[no-any-return]


# Emails and other renders outside a request put these two keys in the context instead of `request`.
RENDER_LOCALE = "render_locale"
RENDER_TRANSLATIONS = "render_translations"


def _translations_of(context: Vars) -> NullTranslations:
    translations = context.get(RENDER_TRANSLATIONS)
    if isinstance(translations, NullTranslations):
        return translations
    return request_translations(_request_of(context))


def locale_of(context: Vars) -> str:
    """The language a template is being rendered in (the request's, or an email's)."""
    locale = context.get(RENDER_LOCALE)
    if isinstance(locale, str):
        return locale
    return request_locale(_request_of(context))


class PageContext(Context):
    """Jinja's template context, with the render's variables kept on its evaluation context as `page_vars`.

    Jinja hands a `pass_context` function called inside a block or a loop a new context, a copy of every
    variable, on each call, and a page makes dozens of such calls (`_()`, `time_range()`, `memo()`). The
    functions that only need the page's language, catalogue, time zone or request take the evaluation
    context instead (`pass_eval_context`: shared, never copied) and read them from `page_vars`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eval_ctx.page_vars = self.parent  # type: ignore[attr-defined]


def page_vars(eval_ctx: EvalContext) -> Mapping[str, Any]:
    """The render's variables (the request, or an email's language and catalogue), kept by `PageContext`."""
    found: Mapping[str, Any] | None = getattr(eval_ctx, "page_vars", None)
    if found is None:
        raise RuntimeError("This environment's context class is not PageContext: call install_i18n on it.")
    return found


_PLAIN_MARKUP = "_hearby_plain_markup"  # the attribute a catalogue keeps its messages without variables in


@pass_eval_context
def _gettext_markup(__eval_ctx: EvalContext, __message: str, **variables: Any) -> str:
    """What the i18n extension's newstyle `gettext` does, without its alias and wrapper layers: translated,
    marked safe when autoescaping (then the variables are escaped into it), always formatted with `%`."""
    translations = _translations_of(page_vars(__eval_ctx))
    if __eval_ctx.autoescape and not variables:
        # A page asks for dozens of plain messages: each one's Markup is made once per catalogue.
        plain: dict[str, Markup] = translations.__dict__.setdefault(_PLAIN_MARKUP, {})
        found = plain.get(__message)
        if found is None:
            found = plain[__message] = Markup(translations.gettext(__message)) % {}  # noqa: S704 - as below
        return found
    text = translations.gettext(__message)
    if __eval_ctx.autoescape:
        return Markup(text) % variables  # noqa: S704 - the catalogues' text, trusted as Jinja's own gettext does
    return text % variables


@pass_eval_context
def _ngettext_markup(__eval_ctx: EvalContext, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
    """The newstyle `ngettext` likewise (`num` is the count unless given)."""
    variables.setdefault("num", __num)
    text = _translations_of(page_vars(__eval_ctx)).ngettext(__singular, __plural, __num)
    if __eval_ctx.autoescape:
        return Markup(text) % variables  # noqa: S704 - the catalogues' text, trusted as Jinja's own ngettext does
    return text % variables


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    """A word whose translation depends on what it is said of (Polish "Rejected": an event, an organisation)."""
    return str(_translations_of(context).pgettext(message_context, message))


def _zone(context: Vars) -> ZoneInfo:
    zone = context.get("time_zone")
    if isinstance(zone, str):
        return ZoneInfo(zone)
    return ZoneInfo(_request_of(context).app.state["settings"].time_zone)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Babel's formats for each site language: the site's English is British English (day before month, 24 hours).
FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(code: str) -> str:
    """The Babel locale whose dates and numbers suit readers of this site language."""
    return FORMAT_LOCALES.get(code, code)


# Times for readers of these languages use the 24-hour clock. CLDR's Urdu times are "6:30 PM" with Latin
# "PM" inside Urdu text, which reads badly and, in a range, reorders ("PM – 8:30 PM 6:30"): the 24-hour
# clock (with Latin digits, as CLDR's Urdu numbers are) needs no am/pm word in either script.
TIME_PATTERNS = {"ur": {"short": "HH:mm"}}


# The formatters below are pure (an instant, a zone, a language) and Babel is slow, while a page repeats the
# same few days and times many times over: each result is kept (equal instants give equal text in a zone).
FORMAT_CACHE = 8192


@lru_cache(maxsize=FORMAT_CACHE)
def format_clock(value: datetime, format: str, zone: ZoneInfo, locale: str) -> str:  # noqa: A002
    """A time of day in this zone and site language ("18:30")."""
    pattern = TIME_PATTERNS.get(locale, {}).get(format, format)
    local = _aware(value).astimezone(zone)
    return babel_dates.format_time(local, format=pattern, locale=format_locale(locale))


@lru_cache(maxsize=FORMAT_CACHE)
def format_when(value: datetime, format: str, zone: ZoneInfo, locale: str) -> str:  # noqa: A002
    """A date and time in this zone and site language: the date in `format`, the time always short ("Saturday,
    4 July 2026, 11:30"; "4 Jul 2026, 11:30"). CLDR's medium and long times add seconds, and its full time the
    zone's long name, which nobody needs."""
    babel_locale = format_locale(locale)
    local = _aware(value).astimezone(zone)
    pattern = str(babel_dates.get_datetime_format(format, locale=babel_locale)).replace("'", "")  # type: ignore[arg-type]
    when = format_clock(local, "short", zone, locale)
    day = babel_dates.format_date(local, format=format, locale=babel_locale)
    return pattern.replace("{0}", when).replace("{1}", day)


# Unicode isolates for plain text (emails): left-to-right, first-strong, pop.
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def isolate(value: Any, *, autoescape: bool, direction: str = "auto") -> str:
    """`value` isolated from the text around it, so a left-to-right run (a time, a postcode, an email
    address, a reference) keeps its order inside right-to-left text and does not reorder its neighbours.
    HTML gets `<bdi>` (`dir="ltr"` when the run must read left to right); plain text gets U+2066-U+2069."""
    if autoescape:
        opening = '<bdi dir="ltr">' if direction == "ltr" else "<bdi>"
        return Markup(f"{opening}{escape(value)}</bdi>")  # noqa: S704 - the value is escaped
    return f"{LRI if direction == 'ltr' else FSI}{value}{PDI}"


@pass_context
def _ltr(context: Context, value: Any) -> str:
    """A run that must read left to right (a time, a postcode, an email address, a URL, a reference)."""
    return isolate(value, autoescape=context.eval_ctx.autoescape, direction="ltr")


@pass_context
def _bidi(context: Context, value: Any) -> str:
    """A run in its own direction, worked out from its first strong letter (a date, a name)."""
    return isolate(value, autoescape=context.eval_ctx.autoescape)


@pass_eval_context
def _time_range(eval_ctx: EvalContext, starts_at: datetime, ends_at: datetime) -> str:
    """ "18:30–20:30" in the site language, isolated so it reads left to right in any page."""
    page = page_vars(eval_ctx)
    zone, locale = _zone(page), locale_of(page)
    text = f"{format_clock(starts_at, 'short', zone, locale)}–{format_clock(ends_at, 'short', zone, locale)}"
    return isolate(text, autoescape=eval_ctx.autoescape, direction="ltr")


@pass_context
def _name_of(context: Context, value: str, locale: str = "en") -> str:
    """A proper name kept in its own language (the council's): marked `translate="no"` with its `lang`
    and `dir` in a page in another language, isolated in plain text."""
    if not context.eval_ctx.autoescape:
        return isolate(value, autoescape=False)
    attributes = lang_attributes_for(locale, locale_of(context))
    return Markup(f'<span translate="no"{attributes}>{escape(value)}</span>')  # noqa: S704 - escaped


@pass_eval_context
def _lang_attributes(eval_ctx: EvalContext, locale: str | None) -> str:
    """` lang="en" dir="ltr"` for content in another language than the page's, else nothing."""
    return lang_attributes_for(locale, locale_of(page_vars(eval_ctx)))


def lang_attributes_for(locale: str | None, page_locale: str) -> str:
    """The attributes that mark content in `locale` inside a page in `page_locale` (none when the same)."""
    if not locale or locale == page_locale:
        return Markup("")
    return Markup(f' lang="{escape(locale)}" dir="{text_direction(locale)}"')  # noqa: S704 - escaped


@pass_context
def _format_datetime(context: Context, value: datetime, format: str = "medium") -> str:  # noqa: A002
    return format_when(value, format, _zone(context), locale_of(context))


@pass_context
def _format_date(context: Context, value: date | datetime, format: str = "medium") -> str:  # noqa: A002
    if isinstance(value, datetime):
        value = _aware(value).astimezone(_zone(context)).date()
    return format_day(value, format, locale_of(context))


@lru_cache(maxsize=FORMAT_CACHE)
def format_day(value: date, format: str, locale: str) -> str:  # noqa: A002
    """A calendar day in the site language ("Saturday, 4 July 2026")."""
    return babel_dates.format_date(value, format=format, locale=format_locale(locale))


@pass_context
def _format_time(context: Context, value: datetime, format: str = "short") -> str:  # noqa: A002
    return format_clock(value, format, _zone(context), locale_of(context))


@pass_context
def _format_number(context: Context, value: float) -> str:
    return format_number(value, locale_of(context))


@lru_cache(maxsize=FORMAT_CACHE)
def format_number(value: float, locale: str) -> str:
    """A number in the site language's digits and separators."""
    return babel_numbers.format_decimal(value, locale=format_locale(locale))


@pass_eval_context
def _current_locale(eval_ctx: EvalContext) -> str:
    return locale_of(page_vars(eval_ctx))


@pass_eval_context
def _current_direction(eval_ctx: EvalContext) -> str:
    return text_direction(locale_of(page_vars(eval_ctx)))


def install_i18n(environment: Environment) -> None:
    """Give Jinja request-aware gettext, plural and Babel formatting callables."""
    environment.add_extension("jinja2.ext.i18n")
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext_markup, _ngettext_markup, newstyle=True, pgettext=_pgettext
    )
    # `_()` and `{% trans %}`: one call instead of the extension's three (a page makes dozens), on the
    # evaluation context that `PageContext` gives the page's variables to.
    environment.globals.update(_=_gettext_markup, gettext=_gettext_markup, ngettext=_ngettext_markup)
    if not issubclass(environment.context_class, PageContext):
        environment.context_class = PageContext
    environment.globals["current_locale"] = _current_locale
    environment.globals["current_direction"] = _current_direction
    environment.globals["language_names"] = LANGUAGE_NAMES
    environment.filters["datetime"] = _format_datetime
    environment.filters["date"] = _format_date
    environment.filters["time"] = _format_time
    environment.filters["number"] = _format_number
    environment.filters["ltr"] = _ltr
    environment.filters["bidi"] = _bidi
    environment.filters["name_of"] = _name_of
    environment.globals["time_range"] = _time_range
    environment.globals["lang_attributes"] = _lang_attributes


def is_known_locale(code: str) -> bool:
    """True for a locale Babel knows (used to validate settings and data)."""
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True
