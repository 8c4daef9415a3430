"""Fixtures live in small modules per concern (tests/support/); this file only registers them."""

pytest_plugins = [
    "tests.support.databases",
    "tests.support.web",
    "tests.support.smtp",
    "tests.support.people",
    "tests.support.push_service",
]
