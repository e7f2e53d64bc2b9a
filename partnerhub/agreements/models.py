"""Models of the agreements module."""
