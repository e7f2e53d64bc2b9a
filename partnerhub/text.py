"""Text on its way into headers and calendar files, where a line break starts a new field.

Forms refuse control characters in one-line fields, but text stored before that rule (or
written around the forms) still reaches email subjects and .ics values: what goes out is put
on one line here, so no stored text can add a header or break a file.
"""

from __future__ import annotations

import re

# Control characters (tab, CR, LF, NUL, DEL, C1), lone surrogates, and the Unicode line and
# paragraph separators: everything that ends a line somewhere or has no place in a value.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")


def has_control_characters(text: str) -> bool:
    """True when `text` holds a line break or another control character."""
    return _CONTROLS.search(text) is not None


def one_line(text: str | None, limit: int | None = None) -> str:
    """`text` on one line: each run of control characters becomes a space; at most `limit`
    characters, the cut marked with an ellipsis."""
    line = _CONTROLS.sub(" ", text or "").strip()
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def lines(text: str | None) -> str:
    """`text` with its line breaks as "\\n" and no other control characters."""
    return "\n".join(_CONTROLS.sub(" ", line) for line in (text or "").splitlines())
