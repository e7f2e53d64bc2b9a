"""The legal bases and data categories an agreement names: the sharing matrix's own words,
stored as their values."""

from __future__ import annotations

from partnerhub.procedures.models import DataCategory, LegalBasis


def legal_basis_choices() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in LegalBasis]


def data_category_choices() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in DataCategory]


LABELS = {m.value: m.label for m in (*LegalBasis, *DataCategory)}


def label_of(value: str) -> str:
    """The human label of a stored legal basis or data category value."""
    return LABELS.get(value, value.replace("_", " "))
