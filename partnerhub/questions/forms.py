"""Forms of the questions module: raising a question, answering it, putting it on an agenda,
and asking for the procedure change its answer calls for."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from partnerhub.forms import Form
from partnerhub.identifiers import KeepAsWritten
from partnerhub.procedures.forms import (
    NO_NAMES,
    _choices,
    _optional_int,
    agency_choices,
    unchosen_allowed,
)
from partnerhub.questions.services import AnswerData, QuestionData


class QuestionForm(KeepAsWritten, Form):
    """A question about sharing between two agencies."""

    title = StringField(
        "Question",
        validators=[DataRequired("Write the question."), Length(max=300)],
        description="E.g. “May the SRO tell the counselor about a citation?”",
    )
    details = TextAreaField(
        "What happens, and what you need to know",
        validators=[Length(max=8000)],
        description=NO_NAMES,
    )
    from_agency_id = SelectField(
        "Agency that would share", coerce=_optional_int, validators=[InputRequired("Choose one.")]
    )
    to_agency_id = SelectField(
        "Agency that would receive", coerce=_optional_int, validators=[InputRequired("Choose one.")]
    )
    flow_id = SelectField(
        "Flow of the sharing matrix it concerns",
        coerce=_optional_int,
        validators=[unchosen_allowed()],
    )
    assigned_to_id = SelectField(
        "Legal advisor",
        coerce=_optional_int,
        validators=[unchosen_allowed()],
        description="Left unchosen, the question goes to the first legal advisor on the roster.",
    )

    def set_choices(self, agencies, flows, advisors) -> None:
        self.from_agency_id.choices = _choices([("", "— choose —")]) + agency_choices(agencies)
        self.to_agency_id.choices = _choices([("", "— choose —")]) + agency_choices(agencies)
        self.flow_id.choices = _choices(
            [("", "— none in particular —")]
            + [(f.id, f"{f.from_agency.organization.name} → {f.recipient}") for f in flows]
        )
        self.assigned_to_id.choices = _choices(
            [("", "— the first legal advisor —")]
            + [(m.id, f"{m.user.name}{f', {m.position}' if m.position else ''}") for m in advisors]
        )

    def question_data(self) -> QuestionData:
        return QuestionData(
            title=self.title.data or "",
            details=(self.details.data or "").replace("\r\n", "\n"),
            from_agency_id=self.from_agency_id.data,
            to_agency_id=self.to_agency_id.data,
            flow_id=self.flow_id.data,
            assigned_to_id=self.assigned_to_id.data,
            keep_reason=self.kept_reason,
        )


class AnswerForm(KeepAsWritten, Form):
    """The answer that closes a question, and the law it rests on."""

    answer = TextAreaField(
        "Answer", validators=[DataRequired("Write the answer."), Length(max=8000)]
    )
    legal_basis = StringField(
        "Legal basis",
        validators=[
            DataRequired("Name the legal basis, e.g. “34 CFR 99.31(a)(1)”."),
            Length(max=300),
        ],
        description="The rule the answer rests on, e.g. “34 CFR 99.31(a)(1)” or “MCA 41-5-215”.",
    )

    def answer_data(self) -> AnswerData:
        return AnswerData(
            answer=(self.answer.data or "").replace("\r\n", "\n"),
            legal_basis=self.legal_basis.data or "",
            keep_reason=self.kept_reason,
        )


class AgendaForm(Form):
    """The coming meeting whose agenda the question joins."""

    # The next meeting comes chosen: no empty first option, so no HTML `required` either
    # (HTML asks one of a required select); the server still insists on a meeting.
    meeting_id = SelectField(
        "Meeting",
        coerce=_optional_int,
        validators=[InputRequired("Choose a meeting.")],
        render_kw={"required": False},
    )

    def set_meetings(self, meetings, label) -> None:
        self.meeting_id.choices = _choices([(m.id, label(m)) for m in meetings])


class ProcedureChangeForm(KeepAsWritten, Form):
    """The procedure whose version in review should change as the answer says."""

    procedure_id = SelectField(
        "Procedure", coerce=_optional_int, validators=[InputRequired("Choose a procedure.")]
    )

    def set_procedures(self, procedures) -> None:
        self.procedure_id.choices = _choices(
            [("", "Choose a procedure"), *((p.id, p.title) for p in procedures)]
        )
