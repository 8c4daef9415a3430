"""Who may reach what, written down once per domain (one module each, exporting `EXPECTED`)."""
