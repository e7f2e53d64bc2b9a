"""The legal bases and data categories an agreement names: the sharing matrix's own words,
stored as their values."""

from __future__ import annotations

from partnerhub.procedures.models import DataCategory, InformationFlow, LegalBasis


def legal_basis_choices() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in LegalBasis]


def data_category_choices() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in DataCategory]


LABELS = {m.value: m.label for m in (*LegalBasis, *DataCategory)}


def label_of(value: str) -> str:
    """The human label of a stored legal basis or data category value."""
    return LABELS.get(value, value.replace("_", " "))


def flow_label(flow: InformationFlow) -> str:
    """A matrix row in one line: who sends what to whom."""
    categories = ", ".join(label_of(c) for c in flow.data_categories) or "information"
    return f"{flow.from_agency.organization.name} → {flow.recipient}: {categories}"
