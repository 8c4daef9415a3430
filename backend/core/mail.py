"""Emails rendered in the recipient's language, as outbox payloads (plain text and HTML)."""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment

from backend.core.i18n import RENDER_LOCALE, RENDER_TRANSLATIONS
from backend.settings import SUPPORTED_LOCALES, Settings


class EmailRenderer:
    """Renders `emails/<name>.subject.txt`, `emails/<name>.txt` and `emails/<name>.html`."""

    def __init__(self, environment: Environment, catalogues: dict[str, NullTranslations], settings: Settings) -> None:
        self.environment = environment
        self.catalogues = catalogues
        self.settings = settings

    def render(self, name: str, *, to: str, locale: str, **context: Any) -> dict[str, str]:
        """The outbox payload for one email: recipient, subject, text and HTML bodies, language."""
        locale = locale if locale in SUPPORTED_LOCALES else self.settings.default_locale
        values = {
            **context,
            RENDER_LOCALE: locale,
            RENDER_TRANSLATIONS: self.catalogues[locale],
            "time_zone": self.settings.time_zone,
            "base_url": self.settings.base_url,
        }
        subject = self.environment.get_template(f"emails/{name}.subject.txt").render(values)
        return {
            "to": to,
            "subject": " ".join(subject.split()),
            "text": self.environment.get_template(f"emails/{name}.txt").render(values),
            "html": self.environment.get_template(f"emails/{name}.html").render(values),
            "locale": locale,
        }
