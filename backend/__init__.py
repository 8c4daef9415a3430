"""Hearby: a community-cohesion app for Oxfordshire County Council."""
