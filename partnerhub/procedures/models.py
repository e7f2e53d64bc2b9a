"""Models of the procedures module."""
