from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.core.outbox import backoff_seconds, purge_key, redact
from backend.notifications.email import PermanentDeliveryError, build_message, mask_address, message_id
from backend.worker import parse_options

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PAYLOAD = {
    "to": "ala@example.org",
    "subject": "Twoja rezerwacja",
    "text": "Dzień dobry — do zobaczenia.",
    "html": "<p>Dzień dobry — <strong>do zobaczenia</strong>.</p>",
    "locale": "pl",
}


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter() -> None:
    ceilings = [backoff_seconds(attempt, base=30, cap=3600, rand=lambda: 1.0) for attempt in range(1, 10)]
    assert ceilings == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff_seconds(5, base=30, cap=3600, rand=lambda: 0.0) == 0
    assert backoff_seconds(3, base=30, cap=3600, rand=lambda: 0.5) == 60
    samples = {backoff_seconds(4) for _ in range(50)}
    assert all(0 <= sample <= 240 for sample in samples)
    assert len(samples) > 40  # jittered, not synchronised


def test_message_is_multipart_alternative_in_the_recipients_language() -> None:
    message = build_message(
        PAYLOAD, idempotency_key="booking:7:confirm", mail_from="Hearby <no-reply@hearby.example>", now=NOW
    )
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "pl"
    assert message["Subject"] == "Twoja rezerwacja"
    assert message["To"] == "ala@example.org"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert "do zobaczenia" in plain.get_content()
    assert html is not None
    assert "<strong>" in html.get_content()


def test_message_id_is_deterministic_per_idempotency_key() -> None:
    first = build_message(PAYLOAD, idempotency_key="k1", mail_from="no-reply@hearby.example", now=NOW)
    again = build_message(PAYLOAD, idempotency_key="k1", mail_from="no-reply@hearby.example", now=NOW)
    other = build_message(PAYLOAD, idempotency_key="k2", mail_from="no-reply@hearby.example", now=NOW)
    assert first["Message-ID"] == again["Message-ID"] == message_id("k1", "no-reply@hearby.example")
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@hearby.example>")


@pytest.mark.parametrize("to", ["", "not-an-address", "a@b@c", "bob@example.org\r\nBcc: eve@example.org"])
def test_invalid_recipients_are_permanent_failures(to: str) -> None:
    with pytest.raises(PermanentDeliveryError):
        build_message({**PAYLOAD, "to": to}, idempotency_key="k", mail_from="no-reply@hearby.example", now=NOW)


def test_header_injection_in_the_subject_is_refused() -> None:
    with pytest.raises(PermanentDeliveryError):
        build_message(
            {**PAYLOAD, "subject": "Hi\r\nBcc: eve@example.org"},
            idempotency_key="k",
            mail_from="no-reply@hearby.example",
            now=NOW,
        )


def test_errors_and_logs_carry_no_email_addresses() -> None:
    assert redact("550 5.1.1 <bob.smith@example.org>: Recipient address rejected") == (
        "550 5.1.1 <<address>>: Recipient address rejected"
    )
    assert mask_address("alice@example.org") == "a…@example.org"


def test_purge_keys_name_the_day() -> None:
    assert purge_key("2026-11-25") == "purge:2026-11-25"


def test_worker_options_from_flags_and_environment() -> None:
    options = parse_options(["--batch", "5", "--once"], {"WORKER_POLL_SECONDS": "0.2", "WORKER_LEASE_SECONDS": "9"})
    assert (options.batch, options.once, options.poll_seconds, options.lease_seconds) == (5, True, 0.2, 9.0)
    defaults = parse_options([], {})
    assert (defaults.batch, defaults.once, defaults.poll_seconds, defaults.lease_seconds) == (20, False, 1.0, 300.0)
    with pytest.raises(SystemExit):
        parse_options(["--batch", "0"], {})
