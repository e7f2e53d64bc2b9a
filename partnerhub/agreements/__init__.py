"""The agreements module."""
