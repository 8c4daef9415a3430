"""Who may reach what, written down once per domain (compared with real answers by the authorisation tests)."""
