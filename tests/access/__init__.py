"""Expected access per domain: the authorisation matrix compares real answers with these tables."""
