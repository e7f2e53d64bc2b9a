"""Comparing two versions of a procedure, line by line, as rows a template can escape and show."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    """A line of a unified diff: kind is "same", "added", "removed" or "skip" (a gap)."""

    kind: str
    text: str
    old_number: int | None = None
    new_number: int | None = None


@dataclass(frozen=True)
class SideBySideRow:
    """A row of a side-by-side diff; either side may be empty (None)."""

    kind: str  # "same", "changed", "added", "removed", "skip"
    old_text: str | None
    new_text: str | None
    old_number: int | None = None
    new_number: int | None = None


def _groups(old: list[str], new: list[str], context: int):
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return matcher.get_grouped_opcodes(context)


def unified_diff(old_text: str, new_text: str, context: int = 3) -> list[DiffLine]:
    """The changed lines of `new_text` against `old_text`, with `context` lines around them."""
    old, new = old_text.splitlines(), new_text.splitlines()
    lines: list[DiffLine] = []
    for group in _groups(old, new, context):
        if lines:
            lines.append(DiffLine("skip", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", old[i], i + 1, j1 + i - i1 + 1) for i in range(i1, i2)]
                continue
            lines += [DiffLine("removed", old[i], i + 1, None) for i in range(i1, i2)]
            lines += [DiffLine("added", new[j], None, j + 1) for j in range(j1, j2)]
    return lines


def side_by_side_diff(old_text: str, new_text: str, context: int = 3) -> list[SideBySideRow]:
    """The same comparison as two columns: replaced lines face each other."""
    old, new = old_text.splitlines(), new_text.splitlines()
    rows: list[SideBySideRow] = []
    for group in _groups(old, new, context):
        if rows:
            rows.append(SideBySideRow("skip", "…", "…"))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                left = old[i] if i < i2 else None
                right = new[j] if j < j2 else None
                kind = _row_kind(tag, left, right)
                rows.append(
                    SideBySideRow(
                        kind,
                        left,
                        right,
                        i + 1 if left is not None else None,
                        j + 1 if right is not None else None,
                    )
                )
    return rows


def _row_kind(tag: str, left: str | None, right: str | None) -> str:
    if tag == "equal":
        return "same"
    if left is None:
        return "added"
    if right is None:
        return "removed"
    return "changed"
