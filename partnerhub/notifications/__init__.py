"""The notifications module."""
