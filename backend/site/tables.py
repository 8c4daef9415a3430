"""The site shell keeps nothing in the database."""
