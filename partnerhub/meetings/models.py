"""Models of the meetings module."""
