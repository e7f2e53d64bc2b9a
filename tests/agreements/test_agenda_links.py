"""An agenda item of a review links to the agreement (or procedure) under review."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from partnerhub.meetings.models import AgendaItem


def item_form(subject: str, kind: str = "agreement_review") -> dict:
    return {"title": "Annual review of the IGA", "minutes": "20", "kind": kind, "subject": subject}


def test_agenda_item_links_to_the_agreement_under_review(client, login_as, make, table, db):
    agreement = make.agreement(table.partnership, [table.school], title="Denver IGA")
    procedure = make.procedure(table.school, title="Attendance referrals")
    meeting = make.meeting(table.partnership)
    db.commit()
    login_as(table.facilitator.user)
    url = f"/partnerships/{table.partnership.id}/meetings/{meeting.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Agreement: Denver IGA" in page and "Procedure: Attendance referrals" in page

    client.post(f"{url}/agenda", data=item_form(f"agreement:{agreement.id}"))

    item = db.scalars(select(AgendaItem)).one()
    assert (item.agreement_id, item.procedure_id) == (agreement.id, None)
    page = client.get(url).get_data(as_text=True)
    assert f'/agreements/{agreement.id}"' in page
    assert "Open the agreement under review" in page

    edit = client.get(f"{url}/agenda/{item.id}/edit").get_data(as_text=True)
    assert re.search(rf'<option [^>]*selected[^>]*value="agreement:{agreement.id}"', edit)
    client.post(
        f"{url}/agenda/{item.id}/edit",
        data=item_form(f"procedure:{procedure.id}", "procedure_review"),
    )
    db.expire_all()
    item = db.get(AgendaItem, item.id)
    assert (item.agreement_id, item.procedure_id) == (None, procedure.id)


def test_agreement_of_another_partnership_cannot_be_linked(client, login_as, make, table, db):
    other = make.partnership(name="Elsewhere")
    foreign = make.agreement(other, [], effective_on=date(2026, 1, 1))
    meeting = make.meeting(table.partnership)
    db.commit()
    login_as(table.facilitator.user)
    url = f"/partnerships/{table.partnership.id}/meetings/{meeting.id}/agenda"
    response = client.post(url, data=item_form(f"agreement:{foreign.id}"))
    assert response.status_code == 200
    assert db.scalars(select(AgendaItem)).all() == []
