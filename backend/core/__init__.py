"""Cross-cutting parts: database, i18n, templating, security, errors, guards, logging."""
