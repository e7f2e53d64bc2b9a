"""The partnerships module."""
