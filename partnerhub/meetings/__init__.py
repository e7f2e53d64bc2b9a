"""The meetings module."""
