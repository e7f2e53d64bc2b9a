"""Meeting forms: bad input is reported next to its field, and the user's input is kept."""

from __future__ import annotations

import calendar
import re
from datetime import date

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    MonthField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from partnerhub.forms import Form, Subform, id_or_none
from partnerhub.identifiers import KeepAsWritten
from partnerhub.meetings.models import ActionItemStatus, AgendaItemKind
from partnerhub.meetings.recurrence import (
    FREQUENCIES,
    LAST_DAY_EVERY_MONTH,
    Pattern,
    RuleError,
    first_date,
    normalize_rule,
    pattern_of,
    with_end,
)
from partnerhub.text import has_control_characters

NO_ONE = 0
MAX_ITEM_MINUTES = 480
UNITS = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
YOUTH_REMINDER = (
    "Do not identify individual youth: no names, initials, dates of birth or case details. "
    "Describe situations in general terms."
)


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def parse_offsets(text: str) -> list[int]:
    """ "7d, 1d, 2h" -> minutes before the start, largest first."""
    offsets = set()
    for piece in filter(None, (p.strip().lower() for p in text.split(","))):
        match = re.fullmatch(r"(\d{1,3})\s*([wdhm])", piece)
        if not match:
            raise ValueError(f"“{piece}” is not like 7d, 1d or 2h.")
        offsets.add(int(match[1]) * UNITS[match[2]])
    return sorted(offsets, reverse=True)


def format_offsets(offsets: list[int]) -> str:
    """Minutes before the start as "7d, 1d"."""
    words = []
    for minutes in offsets:
        unit = next(u for u, size in UNITS.items() if minutes % size == 0)
        words.append(f"{minutes // UNITS[unit]}{unit}")
    return ", ".join(words)


def parse_template(text: str) -> list[dict]:
    """One agenda item per line: "Title | minutes | kind" (minutes and kind optional)."""
    items = []
    kinds = {k.value: k for k in AgendaItemKind} | {k.label.lower(): k for k in AgendaItemKind}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.replace("\t", " ")
        if not line.strip():
            continue
        if has_control_characters(line):
            raise ValueError(f"Line {number} has control characters; remove them.")
        title, _, rest = (p.strip() for p in line.partition("|"))
        minutes_text, _, kind_text = (p.strip() for p in rest.partition("|"))
        if not title:
            raise ValueError(f"Line {number} has no title.")
        if minutes_text and not (minutes_text.isascii() and minutes_text.isdigit()):
            raise ValueError(f"Line {number}: minutes must be a number.")
        if int(minutes_text or 10) > MAX_ITEM_MINUTES:
            raise ValueError(f"Line {number}: an item takes at most {MAX_ITEM_MINUTES} minutes.")
        kind = kinds.get(kind_text.lower() or "other")
        if kind is None:
            raise ValueError(f"Line {number}: unknown kind “{kind_text}”.")
        items.append({"title": title[:200], "minutes": int(minutes_text or 10), "kind": kind.value})
    return items


def format_template(items: list[dict]) -> str:
    return "\n".join(f"{i['title']} | {i['minutes']} | {i['kind']}" for i in items)


class MeetingFieldsMixin:
    """Fields every meeting has."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    starts_on = DateField("Date", validators=[InputRequired(message="Enter a date.")])
    start_time = TimeField("Start time", validators=[InputRequired(message="Enter a time.")])
    duration_minutes = IntegerField(
        "Length (minutes)",
        default=90,
        validators=[InputRequired(message="Enter the length."), NumberRange(min=5, max=12 * 60)],
    )
    place = StringField("Place", validators=[Optional(), Length(max=300)])
    video_url = URLField(
        "Video link",
        validators=[Optional(), URL(message="Enter a full link (https://…)."), Length(max=500)],
    )


WEEKDAYS = [(number, name) for number, name in enumerate(calendar.day_name)]
NTH = [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th")]


class SeriesForm(MeetingFieldsMixin, Form):
    """Schedule (or change) a recurring series: "every 2nd Tuesday at 15:30 from March"; the
    first date is worked out from the pattern and the month."""

    starts_on = None  # worked out: see `build_rule`
    repeat = SelectField("Repeats", choices=options(FREQUENCIES.items()), default="monthly_weekday")
    ordinal = SelectField(
        "Which one", choices=options(NTH), coerce=int, default=2,
        description="For “Monthly on the Nth weekday”.",
    )  # fmt: skip
    weekday = SelectField("Weekday", choices=options(WEEKDAYS), coerce=int, default=1)
    interval = IntegerField(
        "Every how many weeks",
        default=2,
        validators=[Optional(), NumberRange(2, 12, message="Enter a number from 2 to 12.")],
        description="For “Every N weeks”.",
    )
    day = IntegerField(
        "Day of the month",
        validators=[
            Optional(),
            NumberRange(
                1,
                LAST_DAY_EVERY_MONTH,
                message="Choose a day from 1 to 28 (shorter months have no later date); "
                "for the end of the month choose “Monthly on the last weekday”.",
            ),
        ],
        description="For “Monthly on a date”.",
    )
    from_month = MonthField(
        "From (month)",
        validators=[InputRequired(message="Enter the month of the first meeting.")],
        description="The first meeting is the first day in that month the pattern falls on.",
    )
    custom_rule = StringField(
        "Custom rule (RRULE)",
        validators=[Optional(), Length(max=400)],
        description="For example FREQ=MONTHLY;BYDAY=+2TU — only used with “Custom rule”.",
    )
    ends = RadioField(
        "Ends",
        choices=options(
            [("never", "Never"), ("until", "On a date"), ("count", "After a number of meetings")]
        ),
        default="never",
    )
    until = DateField("Last date", validators=[Optional()])
    count = IntegerField("Number of meetings", validators=[Optional(), NumberRange(1, 500)])
    reminders = StringField(
        "Reminders before each meeting",
        default="7d, 1d",
        validators=[Length(max=100)],
        description="Comma-separated, e.g. 7d, 1d, 2h.",
    )
    agenda_template = TextAreaField(
        "Agenda template",
        validators=[Length(max=5000)],
        description="One item per line: Title | minutes | kind (procedure_review, "
        "agreement_review, sharing_issue, report, other).",
    )
    description = TextAreaField(
        "Notes on the schedule",
        validators=[Length(max=1000)],
        description="Shown with the series, e.g. “No meeting in July”.",
    )
    submit = SubmitField("Save series")

    rule: str = ""
    first_date: date | None = None
    reminder_offsets: list[int] = []
    template_items: list[dict] = []

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the ones that depend on the chosen pattern and end."""
        super().validate(extra_validators)
        repeat = self.repeat.data
        # A field of another pattern is left as typed, not checked.
        for field, used_by in ((self.day, "monthly_date"), (self.interval, "every_n_weeks")):
            if repeat != used_by:
                field.errors = []
        valid = not any(field.errors for field in self)
        problems = {
            self.custom_rule: repeat == "custom"
            and not (self.custom_rule.data or "").strip()
            and "Enter a rule, or choose one of the patterns.",
            self.interval: repeat == "every_n_weeks"
            and self.interval.data is None
            and "Enter every how many weeks.",
            self.day: repeat == "monthly_date"
            and self.day.data is None
            and "Enter the day of the month.",
            self.until: self.ends.data == "until"
            and self.until.data is None
            and "Enter the last date.",
            self.count: self.ends.data == "count"
            and self.count.data is None
            and "Enter how many meetings.",
        }
        for field, problem in problems.items():
            if problem and not field.errors:
                field.errors = [*field.errors, problem]
                valid = False
        return valid

    def validate_reminders(self, field) -> None:
        try:
            self.reminder_offsets = parse_offsets(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_agenda_template(self, field) -> None:
        try:
            self.template_items = parse_template(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error

    @property
    def pattern(self) -> Pattern:
        return Pattern(
            self.repeat.data,
            weekday=self.weekday.data,
            ordinal=self.ordinal.data,
            interval=self.interval.data or 1,
            day=self.day.data or 1,
        )

    def build_rule(self, timezone: str, not_before: date | None = None) -> bool:
        """Turn the pattern and end into an RRULE and work out the first meeting's date (in
        the month chosen, not before `not_before`); False (with a field error) when it is bad."""
        try:
            if self.repeat.data == "custom":
                base = normalize_rule(self.custom_rule.data, timezone)
            else:
                base = self.pattern.rule
        except RuleError as error:
            self.custom_rule.errors = [*self.custom_rule.errors, str(error)]
            return False
        start = max(self.from_month.data, not_before or self.from_month.data)
        self.first_date = first_date(base, start)
        if self.first_date is None:
            self.from_month.errors = [
                *self.from_month.errors,
                "This pattern has no meeting from that month on.",
            ]
            return False
        if self.ends.data == "until" and self.until.data < self.first_date:
            self.until.errors = [
                *self.until.errors,
                f"The last date is before the first meeting ({self.first_date:%d %b %Y}).",
            ]
            return False
        if self.repeat.data == "custom" and self.ends.data == "never":
            self.rule = base
            return True
        until = self.until.data if self.ends.data == "until" else None
        count = self.count.data if self.ends.data == "count" else None
        self.rule = with_end(base, until, count)
        return True

    def fill_from(self, series, from_day: date) -> None:
        """Show a series' settings: its pattern when the form has one, else its exact RRULE."""
        for name in ("title", "start_time", "duration_minutes", "place", "description"):
            getattr(self, name).data = getattr(series, name)
        self.video_url.data = series.video_url
        self.from_month.data = from_day.replace(day=1)
        pattern = pattern_of(series.rrule)
        if pattern is None or "UNTIL=" in series.rrule or "COUNT=" in series.rrule:
            self.repeat.data = "custom"
            self.custom_rule.data = series.rrule
        else:
            self.repeat.data = pattern.frequency
            self.weekday.data, self.ordinal.data = pattern.weekday, pattern.ordinal
            self.interval.data, self.day.data = pattern.interval, pattern.day
        self.reminders.data = format_offsets(series.reminder_offsets or [])
        self.agenda_template.data = format_template(series.agenda_template or [])


class MeetingForm(MeetingFieldsMixin, Form):
    """A one-off meeting, or one occurrence changed on its own."""

    submit = SubmitField("Save meeting")


class CancelForm(Form):
    reason = TextAreaField(
        "Reason (shown to everyone)",
        validators=[DataRequired(message="Say why the meeting is cancelled."), Length(max=1000)],
    )
    submit = SubmitField("Cancel this meeting")


class AgendaItemForm(KeepAsWritten, Form):
    title = StringField("Item", validators=[DataRequired(), Length(max=200)])
    presenter_id = SelectField("Presenter", coerce=int, default=NO_ONE)
    minutes = IntegerField(
        "Minutes",
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ITEM_MINUTES)],
    )
    kind = SelectField(
        "Kind",
        choices=options((k.value, k.label) for k in AgendaItemKind),
        default=AgendaItemKind.OTHER.value,
    )
    subject = SelectField(
        "Under review", default="", description="The procedure or agreement the item reviews."
    )
    submit = SubmitField("Add to agenda")

    def set_members(self, members, subjects=()) -> None:
        self.presenter_id.choices = options(
            [(NO_ONE, "—")] + [(m.id, m.user.name) for m in members]
        )
        self.subject.choices = options([("", "—"), *subjects])


class ItemMinutesForm(Subform):
    item_id = HiddenField()
    notes = TextAreaField("Notes", validators=[Length(max=10000)])
    decision = TextAreaField("Decision", validators=[Length(max=5000)])
    is_finished = BooleanField("Finished (not carried to the next meeting)")


class MinutesForm(KeepAsWritten, Form):
    summary = TextAreaField("Summary", validators=[Length(max=20000)])
    items = FieldList(FormField(ItemMinutesForm))
    submit = SubmitField("Save draft")


class ItemNotesForm(KeepAsWritten, Form):
    """One agenda item's notes, written in meeting mode; `version` is what the writer read."""

    # Browsers send a text area's line breaks as CRLF; stored as typed (LF), a second
    # writer's text compares equal to what their page shows.
    notes = TextAreaField(
        "Notes",
        validators=[Length(max=10000)],
        filters=[lambda text: text.replace("\r\n", "\n") if text else text],
    )
    version = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message="Reload the page.")]
    )
    submit = SubmitField("Save notes")


class MarkAttendanceForm(Form):
    present = SelectField("Present", choices=options([("yes", "Present"), ("no", "Absent")]))


class AgendaOrderForm(Form):
    """The agenda's new order: every item's id, first to last, separated by commas."""

    order = StringField("Order", validators=[DataRequired(), Length(max=2000)])

    @property
    def item_ids(self) -> list[int] | None:
        """The ids in order, or None when any part is not an id."""
        ids = [id_or_none(part) for part in (self.order.data or "").split(",")]
        return None if None in ids else ids


class ReasonForm(Form):
    reason = TextAreaField("What needs correcting", validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField("Reopen minutes")


class AttendanceForm(Form):
    attended = SelectMultipleField(
        "Attended", coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False)
    )
    submit = SubmitField("Save attendance")


class ResponseForm(Form):
    answer = SelectField("Answer", choices=options([("accept", "Accept"), ("decline", "Decline")]))
    # The page the answer was given on, when not the meeting's: "dashboard" or "waiting".
    back = HiddenField()


class ActionItemForm(KeepAsWritten, Form):
    # Its own id: the meeting page shows it beside the agenda form, which has a title too.
    title = StringField("Action", id="action-title", validators=[DataRequired(), Length(max=300)])
    owner_membership_id = SelectField("Owner", coerce=int, default=NO_ONE)
    owner_agency_id = SelectField("Agency", coerce=int, default=NO_ONE)
    due_on = DateField("Due", validators=[Optional()])
    submit = SubmitField("Add action item")

    def set_owners(self, members, agencies) -> None:
        self.owner_membership_id.choices = options(
            [(NO_ONE, "—")] + [(m.id, m.user.name) for m in members]
        )
        self.owner_agency_id.choices = options(
            [(NO_ONE, "—")] + [(a.id, a.organization.name) for a in agencies]
        )

    def validate_owner_agency_id(self, field) -> None:
        if field.data == NO_ONE and self.owner_membership_id.data == NO_ONE:
            raise ValidationError("Name an owner: a member, an agency, or both.")


class ActionStatusForm(Form):
    status = SelectField("Status", choices=options((s.value, s.label) for s in ActionItemStatus))


def optional_id(value: int | None) -> int | None:
    """A select's id, or None for "no one"."""
    return value or None


def subject_ids(value: str | None) -> dict[str, int | None]:
    """The "Under review" choice ("agreement:3") as the item's procedure_id / agreement_id."""
    kind, _, raw = (value or "").partition(":")
    ids: dict[str, int | None] = {"procedure_id": None, "agreement_id": None}
    if kind in ("procedure", "agreement") and raw.isdigit():
        ids[f"{kind}_id"] = int(raw)
    return ids


def subject_value(item) -> str:
    """An agenda item's link as its "Under review" choice."""
    if item.procedure_id:
        return f"procedure:{item.procedure_id}"
    return f"agreement:{item.agreement_id}" if item.agreement_id else ""
