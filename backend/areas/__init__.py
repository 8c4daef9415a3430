"""The areas domain."""
