"""The rule set that finds youth identifiers: realistic minutes that must trip it, and the
ordinary text of a partnership's work that must not."""

from __future__ import annotations

import pytest

from partnerhub.identifiers import Kind, KnownNames, find_identifiers

ROSTER = KnownNames.of(
    [
        "Helena Youth Partnership",
        "Helena Public Schools",
        "Lewis and Clark County Sheriff's Office",
        "Shodair Children's Hospital",
        "Dana Whitfield",
        "Maria Lopez",
        "Tom Baker",
    ]
)


def found(text: str) -> list[tuple[Kind, str]]:
    return [(finding.kind, finding.text) for finding in find_identifiers(text, ROSTER)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Student (DOB 3/14/2009) was cited.", [(Kind.DATE_OF_BIRTH, "DOB 3/14/2009")]),
        ("D.O.B.: 2009-03-14", [(Kind.DATE_OF_BIRTH, "D.O.B.: 2009-03-14")]),
        ("born on March 3, 2011", [(Kind.DATE_OF_BIRTH, "born on March 3, 2011")]),
        ("date of birth 14 March 2010", [(Kind.DATE_OF_BIRTH, "date of birth 14 March 2010")]),
        ("See case #2023-JV-0142.", [(Kind.RECORD_NUMBER, "case #2023-JV-0142")]),
        ("Docket No. DJ-23-118 is set", [(Kind.RECORD_NUMBER, "Docket No. DJ-23-118")]),
        ("student ID 4471823", [(Kind.RECORD_NUMBER, "student ID 4471823")]),
        ("petition 23JV00045 filed", [(Kind.RECORD_NUMBER, "petition 23JV00045")]),
        ("SSN 123-45-6789", [(Kind.RECORD_NUMBER, "SSN 123-45-6789")]),
        ("called 123-45-6789 back", [(Kind.RECORD_NUMBER, "123-45-6789")]),
        ("Jayden Smith was suspended", [(Kind.PERSONAL_NAME, "Jayden Smith")]),
        ("the SRO spoke with Emma Brown", [(Kind.PERSONAL_NAME, "Emma Brown")]),
        ("Tyler Mills' counselor", [(Kind.PERSONAL_NAME, "Tyler Mills")]),
        ("Ms. Ortiz (the mother) called", [(Kind.PERSONAL_NAME, "Ms. Ortiz")]),
        ("notes on Kowalski Jenkins", [(Kind.PERSONAL_NAME, "Kowalski Jenkins")]),
    ],
)
def test_identifiers_in_realistic_minutes_are_found(text, expected):
    assert found(text) == expected


def test_a_note_naming_a_youth_with_birth_date_and_case_number_trips_every_rule():
    note = (
        "Discussed Jayden Smith (DOB 03/14/2009), case #2023-JV-0142, referred by Ms. Ortiz; "
        "student ID 4471823."
    )
    assert [kind for kind, _ in found(note)] == [
        Kind.PERSONAL_NAME,
        Kind.DATE_OF_BIRTH,
        Kind.RECORD_NUMBER,
        Kind.PERSONAL_NAME,
        Kind.RECORD_NUMBER,
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Schools may disclose under 34 CFR 99.31(a)(5) to juvenile justice officials.",
        "42 CFR Part 2 requires the re-disclosure notice; see 45 CFR 164.512(f).",
        "MCA 41-5-215 governs youth court records; 20 U.S.C. 1232g is FERPA.",
        "Next review meeting: June 9, 2026 at 15:00 in room 204.",
        "Minutes of the March 10, 2026 meeting were approved 7-0.",
        "Dana Whitfield will email Helena Public Schools and Maria Lopez by 2026-04-01.",
        "Ms. Lopez and Mr. Baker presented the draft.",
        "Officer Garcia and Judge Harris described the diversion program.",
        "The Lewis and Clark County Sheriff's Office signed the MOU.",
        "Shodair Children's Hospital joins in April; version 3 of procedure 12 is in review.",
        "The Smith family contacted the school.",
        "Will Smith",
        "In case 3 agencies cannot attend, we reschedule.",
        "Action item 14: update the FERPA/HIPAA crosswalk by the 2nd Tuesday.",
        "Denver Police and Denver Public Schools signed their IGA in 2013.",
        "",
    ],
)
def test_the_ordinary_text_of_a_partnership_passes(text):
    assert found(text) == []


def test_a_person_joining_the_roster_is_no_longer_a_finding():
    text = "Jordan Reyes will present the training."
    assert found(text) == [(Kind.PERSONAL_NAME, "Jordan Reyes")]
    assert find_identifiers(text, KnownNames.of(["Jordan Reyes"])) == []


def test_10_kb_of_text_is_screened():
    text = "Reviewed the procedure. " * 400 + "DOB 1/2/2010"
    assert [kind for kind, _ in found(text)] == [Kind.DATE_OF_BIRTH]
