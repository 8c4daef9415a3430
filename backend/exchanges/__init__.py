"""Listening Exchanges: topics, slots, requests, matching, sessions and attendance, evaluation."""
