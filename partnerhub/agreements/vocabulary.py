"""The legal bases and data categories an agreement names: the sharing matrix's own words
(`LegalBasis`, `DataCategory` of the procedures module), stored as their values."""

from __future__ import annotations

import enum

from partnerhub.procedures import models as procedures


def _members(name: str) -> list[enum.Enum]:
    # The matrix's vocabulary arrives with the procedures module's models.
    return list(getattr(procedures, name, ()))


def _label(member: enum.Enum) -> str:
    return getattr(member, "label", member.value.replace("_", " "))


def legal_basis_choices() -> list[tuple[str, str]]:
    return [(m.value, _label(m)) for m in _members("LegalBasis")]


def data_category_choices() -> list[tuple[str, str]]:
    return [(m.value, _label(m)) for m in _members("DataCategory")]


def label_of(value: str) -> str:
    """The human label of a stored legal basis or data category value."""
    for member in (*_members("LegalBasis"), *_members("DataCategory")):
        if member.value == value:
            return _label(member)
    return value.replace("_", " ")
