"""Tension reports: residents report safely and anonymously; officers triage and act; insight for staff."""
