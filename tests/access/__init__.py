"""Who may reach what, written down once per domain (compared with the app's real answers by the tests)."""
