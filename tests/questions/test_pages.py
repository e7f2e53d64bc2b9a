"""The questions' pages: raise, see, put on the agenda, answer, search; and the links between
a question and the procedure change or matrix flow its answer led to."""

from __future__ import annotations

from datetime import timedelta

from markupsafe import escape
from sqlalchemy import select

from partnerhub.meetings.models import AgendaItem
from partnerhub.procedures.models import ChangeRequest, InformationFlow
from partnerhub.questions.models import Question, QuestionStatus
from tests.clock import NOW
from tests.questions.conftest import answer

TITLE = "May the SRO tell the counselor about a citation?"


def shown(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_member_raises_a_question_from_the_page(client, login_as, world, desk, base, db):
    login_as(world.member.user)
    response = client.post(
        f"{base}/questions/new",
        data={
            "title": TITLE,
            "details": "Cited off campus on a weekend; the counselor asked.",
            "from_agency_id": desk.police.id,
            "to_agency_id": desk.school.id,
            "flow_id": "",
            "assigned_to_id": "",
        },
    )
    assert response.status_code == 302
    question = db.scalars(select(Question)).one()
    page = shown(client, response.headers["Location"])
    assert escape(TITLE) in page and "Dana Counsel" in page
    assert question.assigned_to_id == desk.advisor.id


def test_a_question_naming_a_youth_comes_back_with_the_text_and_a_confirmation(
    client, login_as, world, desk, base, db
):
    login_as(world.member.user)
    named = "May the SRO tell the counselor about Jacob Martinez's case #JV-2026-0142?"
    response = client.post(
        f"{base}/questions/new",
        data={"title": named, "from_agency_id": desk.police.id, "to_agency_id": desk.school.id},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert escape(named) in page and "Keep as written" in page
    assert db.scalars(select(Question)).all() == []


def test_an_advisor_answers_and_the_answer_is_found_in_the_guidance(
    client, login_as, desk, base, ask, db
):
    question = ask()
    login_as(desk.advisor.user)
    page = shown(client, f"{base}/questions/{question.id}")
    assert 'id="answer-form"' in page

    response = client.post(
        f"{base}/questions/{question.id}/answer",
        data={"answer": "Yes: a law-enforcement unit record.", "legal_basis": "34 CFR 99.8"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Question, question.id).status is QuestionStatus.ANSWERED
    found = shown(client, f"{base}/questions/guidance?q=citation+counselor")
    assert escape(TITLE) in found and "34 CFR 99.8" in found


def test_an_answer_without_its_basis_is_refused_at_the_field_keeping_the_answer(
    client, login_as, world, base, ask
):
    question = ask()
    login_as(world.facilitator.user)
    response = client.post(
        f"{base}/questions/{question.id}/answer",
        data={"answer": "Yes, within the school.", "legal_basis": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Yes, within the school." in page and "Name the legal basis" in page


def test_a_member_who_is_no_advisor_sees_no_answer_form(client, login_as, world, base, ask):
    question = ask()
    login_as(world.member.user)
    page = shown(client, f"{base}/questions/{question.id}")
    assert 'id="answer-form"' not in page and "Waiting for Dana Counsel" in page


def test_putting_a_question_on_the_agenda_links_the_item_both_ways(
    client, login_as, world, base, ask, make, db
):
    meeting = make.meeting(world.partnership, NOW + timedelta(days=5), title="April meeting")
    db.commit()
    question = ask()
    login_as(world.facilitator.user)
    response = client.post(
        f"{base}/questions/{question.id}/agenda", data={"meeting_id": meeting.id}
    )
    assert response.status_code == 302
    item = db.scalars(select(AgendaItem).where(AgendaItem.question_id == question.id)).one()
    assert item.meeting_id == meeting.id
    assert "April meeting" in shown(client, f"{base}/questions/{question.id}")
    meeting_page = shown(client, f"{base}/meetings/{meeting.id}")
    assert f"/questions/{question.id}" in meeting_page


def test_an_answer_asks_for_changes_on_a_procedure_in_review_linked_both_ways(
    client, login_as, world, desk, base, ask, make, db
):
    procedure = make.procedure(desk.school, "Sharing citations", status="in_review")
    db.commit()
    question = answer(db, desk.advisor, ask())
    login_as(world.facilitator.user)

    response = client.post(
        f"{base}/questions/{question.id}/procedure-change", data={"procedure_id": procedure.id}
    )

    assert response.status_code == 302
    change = db.scalars(select(ChangeRequest)).one()
    db.expire_all()
    assert db.get(Question, question.id).change_request_id == change.id
    assert "Sharing citations" in shown(client, f"{base}/questions/{question.id}")
    version_page = shown(client, f"{base}/procedures/{procedure.id}/versions/1")
    assert f"/questions/{question.id}" in version_page


def test_an_answer_adds_the_flow_it_allows_to_the_matrix_linked_both_ways(
    client, login_as, world, desk, base, ask, db
):
    question = answer(db, desk.advisor, ask())
    login_as(world.facilitator.user)
    form = shown(client, f"{base}/questions/{question.id}/matrix-change")
    assert escape(f"Following the answer to “{TITLE}”") in form

    response = client.post(
        f"{base}/questions/{question.id}/matrix-change",
        data={
            "from_agency_id": desk.police.id,
            "to_agency_id": desk.school.id,
            "to_role": "School counselor",
            "data_categories": ["police_contact"],
            "trigger": "A citation of a student",
            "legal_basis": "law_enforcement_unit_record",
            "notes": "Following the answer.",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    flow = db.scalars(select(InformationFlow)).one()
    db.expire_all()
    assert db.get(Question, question.id).changed_flow_id == flow.id
    assert f"/questions/{question.id}" in shown(client, f"{base}/matrix/flows/{flow.id}/edit")
    assert f"/questions/{question.id}" in shown(client, f"{base}/matrix/list")


def test_another_partnerships_question_is_not_found(client, login_as, world, base, ask):
    question = ask()
    login_as(world.other_facilitator.user)
    other = f"/partnerships/{world.other_partnership.id}/questions/{question.id}"
    assert client.get(other).status_code == 404
