"""The procedures module."""
