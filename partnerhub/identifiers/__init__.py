"""Keeping youth identifiers out of what a partnership stores: `guard` finds them,
`screening` refuses them unless kept on purpose, `forms` asks for that confirmation."""

from partnerhub.identifiers.forms import KeepAsWritten
from partnerhub.identifiers.guard import Finding, Kind, KnownNames, find_identifiers
from partnerhub.identifiers.screening import IdentifiersFound, known_names, screen

__all__ = [
    "Finding",
    "IdentifiersFound",
    "KeepAsWritten",
    "Kind",
    "KnownNames",
    "find_identifiers",
    "known_names",
    "screen",
]
