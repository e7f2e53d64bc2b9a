"""Finding what could identify a youth in text a partnership stores: dates of birth, case,
docket and student numbers, and personal names that are not on the partnership's roster.

A small rule set rather than a language model: each rule is a pattern with a cue, written to
be read and tested. Dates count as dates of birth only after a birth cue ("DOB", "born"), so
meeting dates pass; numbers count only after a record cue ("case #", "docket no.", "student
ID"), so legal citations ("34 CFR 99.31(a)(5)", "MCA 41-5-215") pass. A name is two
capitalised words ending in a surname (U.S. Census lists, `given_names.txt` and
`surnames.txt`: rarer names are missed), or a courtesy title and a surname ("Ms. Ortiz");
names of the partnership's people, agencies and organisations are known and pass.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class Kind(StrEnum):
    DATE_OF_BIRTH = "date of birth"
    RECORD_NUMBER = "case, docket or student number"
    PERSONAL_NAME = "personal name"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str
    start: int

    def __str__(self) -> str:
        return f"{self.kind}: “{self.text}”"


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 3/14/2009, 14.03.09
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 2009-03-14
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 14, 2009
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})"  # 14 March 2009
)
_BIRTH_CUE = r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday|born(?:\s+on)?)"
DATE_OF_BIRTH = re.compile(rf"\b{_BIRTH_CUE}\s*[:\-\u2013]?\s*(?:on\s+)?(?P<value>{_DATE})", re.I)

_RECORD_CUE = (
    r"(?:case|docket|petition|cause|citation|referral|file|student|pupil|ssid|sasid|ssn"
    r"|medicaid|inmate|booking|client|youth)"
)
# The number after the cue: at least three digits, among letters, dashes and dots.
RECORD_NUMBER = re.compile(
    rf"\b{_RECORD_CUE}\s*(?:id\b|no\b\.?|num(?:ber)?\b|#)?\s*[:#]?\s*"
    r"(?P<value>(?=(?:[A-Z./-]*\d){3})[A-Z0-9][A-Z0-9./-]*[0-9A-Z])",
    re.I,
)
SOCIAL_SECURITY = re.compile(r"\b(?P<value>\d{3}-\d{2}-\d{4})\b")

_WORD = r"[A-Z][a-z]*(?:'?[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?"  # Ortiz, McKay, O'Neil, Ruiz-Diaz
# Capitalised words that start a sentence or name a profession, never a youth's given name.
NOT_A_GIVEN_NAME = frozenset(
    [
        "a",
        "all",
        "an",
        "and",
        "as",
        "ask",
        "at",
        "but",
        "by",
        "call",
        "contact",
        "dear",
        "deputy",
        "detective",
        "doctor",
        "dr",
        "each",
        "email",
        "every",
        "for",
        "from",
        "he",
        "her",
        "his",
        "if",
        "in",
        "invite",
        "it",
        "its",
        "judge",
        "meet",
        "my",
        "next",
        "officer",
        "on",
        "or",
        "our",
        "per",
        "please",
        "principal",
        "professor",
        "sergeant",
        "sheriff",
        "she",
        "superintendent",
        "tell",
        "thanks",
        "that",
        "the",
        "their",
        "these",
        "they",
        "this",
        "those",
        "to",
        "trooper",
        "under",
        "we",
        "when",
        "with",
        "your",
    ]
)
NAME_PAIR = re.compile(rf"(?<![\w.])(?=(?P<first>{_WORD})\s+(?P<last>{_WORD})\b)")
TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<last>{_WORD})\b")


@dataclass(frozen=True)
class KnownNames:
    """Names that are no youth's: the partnership's people, agencies and organisations."""

    words: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> KnownNames:
        words: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for name in names:
            parts = [part.lower() for part in re.findall(r"[A-Za-z][A-Za-z'-]*", name)]
            words.update(parts)
            pairs.update(itertools.pairwise(parts))
        return cls(frozenset(words), frozenset(pairs))


def find_identifiers(text: str, known: KnownNames = KnownNames()) -> list[Finding]:
    """Everything in `text` that looks like a youth's identifier, in reading order."""
    findings = [
        *_matches(Kind.DATE_OF_BIRTH, DATE_OF_BIRTH, text),
        *_matches(Kind.RECORD_NUMBER, RECORD_NUMBER, text),
        *_matches(Kind.RECORD_NUMBER, SOCIAL_SECURITY, text),
        *_names(text, known),
    ]
    return _outermost(sorted(findings, key=lambda finding: (finding.start, -len(finding.text))))


def _outermost(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside an earlier one ("123-45-6789" within "SSN 123-45-6789")."""
    kept: list[Finding] = []
    for finding in findings:
        if not kept or finding.start >= kept[-1].start + len(kept[-1].text):
            kept.append(finding)
    return kept


def _matches(kind: Kind, pattern: re.Pattern, text: str) -> list[Finding]:
    return [Finding(kind, m.group(0).strip(), m.start()) for m in pattern.finditer(text)]


def _names(text: str, known: KnownNames) -> list[Finding]:
    findings = [
        Finding(Kind.PERSONAL_NAME, f"{m['first']} {m['last']}", m.start())
        for m in NAME_PAIR.finditer(text)
        if _is_name(m["first"].lower(), m["last"].lower(), known)
    ]
    findings += [
        Finding(Kind.PERSONAL_NAME, m.group(0), m.start())
        for m in TITLED.finditer(text)
        if m["last"].lower() not in known.words
    ]
    return findings


def _is_name(first: str, last: str, known: KnownNames) -> bool:
    """A given name before a surname, or any word before an uncommon surname."""
    if first in NOT_A_GIVEN_NAME or (first, last) in known.pairs:
        return False
    if first in known.words and last in known.words:
        return False
    surnames, common_surnames = _surnames()
    if first in _given_names():
        return last in surnames or last in common_surnames
    return last in surnames


@cache
def _given_names() -> frozenset[str]:
    return frozenset(_read("given_names.txt"))


@cache
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    """Surnames that are only surnames, and those that are also common words."""
    names = _read("surnames.txt")
    return (
        frozenset(name for name in names if not name.endswith("*")),
        frozenset(name[:-1] for name in names if name.endswith("*")),
    )


def _read(filename: str) -> list[str]:
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]
