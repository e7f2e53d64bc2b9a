"""In a real browser: a meeting run from a phone, notes that survive the server going down,
and an agenda item dragged into place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from partnerhub.meetings import services
from partnerhub.meetings.models import AgendaItem, Meeting
from tests.clock import NOW
from tests.meetings.test_meeting_mode import items_of, running_meeting

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def open_meeting_mode(page, browser_login, world, meeting):
    browser_login(world.facilitator.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/partnerships/{world.partnership.id}/meetings/{meeting.id}/run")
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()


def test_a_facilitator_runs_a_meeting_from_a_phone(page, browser_login, world, make, db):
    meeting, following = running_meeting(make, world)
    open_meeting_mode(page, browser_login, world, meeting)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    mo = page.get_by_role("button", name=re.compile("^Mo Member"))
    expect(mo).to_contain_text("Helena Public Schools · Not marked")
    mo.click()
    expect(page.get_by_role("button", name=re.compile("^Mo Member"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("button", name=re.compile("^Mo Member"))).to_contain_text("Present")

    page.get_by_role("button", name="Next item ▸").click()
    expect(page.locator(".agenda-run-item").first).to_contain_text("Running")
    expect(page.locator(".agenda-run-item").first.locator(".clock-elapsed")).to_have_text(
        re.compile(r"^0:0[1-9]$")  # it ticks
    )

    notes = page.get_by_label("Notes on “Attendance data”")
    notes.press_sequentially("Both schools report attendance up.")
    expect(page.locator("#save-status")).to_have_text("Saved.")

    page.get_by_label("Action", exact=True).fill("Send the referral form to the clinic")
    page.get_by_label("Owner", exact=True).select_option(label="Mo Member")
    page.get_by_label("Agency", exact=True).select_option(label="Helena Public Schools")
    page.get_by_label("Due", exact=True).fill("2026-04-01")
    page.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Action item recorded.")).to_be_visible()
    expect(page.locator("#action-items")).to_contain_text("Send the referral form to the clinic")

    page.get_by_role("button", name="Carry to next meeting “Consent form”").click()
    expect(page.get_by_text("“Consent form” is on the agenda of April review")).to_be_visible()
    expect(page.locator(".agenda-run-item").nth(1)).to_contain_text("On the next meeting's agenda")
    expect(page.get_by_label("Notes on “Attendance data”")).to_have_value(
        "Both schools report attendance up."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert [i.title for i in items_of(db, following)] == ["Consent form"]


def test_notes_typed_while_the_server_is_down_are_kept_and_saved_when_it_is_back(
    page, browser_login, world, make, db, live_server
):
    meeting, _ = running_meeting(make, world)
    open_meeting_mode(page, browser_login, world, meeting)
    notes = page.get_by_label("Notes on “Attendance data”")
    status = page.locator("#save-status")

    notes.press_sequentially("Schools: attendance up.")
    expect(status).to_have_text("Saved.")
    live_server.stop()
    notes.press_sequentially(" Police: no change since February.")
    expect(status).to_have_text(re.compile("^Offline — kept on this device"))
    typed = "Schools: attendance up. Police: no change since February."
    expect(notes).to_have_value(typed)
    kept = page.evaluate("Object.values(localStorage).map((v) => JSON.parse(v).text)")
    assert kept == [typed]
    first = items_of(db, meeting)[0]
    assert first.notes == "Schools: attendance up."

    live_server.start()
    expect(status).to_have_text("Saved.")
    db.expire_all()
    assert db.get(AgendaItem, first.id).notes == typed
    assert page.evaluate("localStorage.length") == 0

    page.reload()
    expect(page.get_by_label("Notes on “Attendance data”")).to_have_value(typed)


def test_an_agenda_item_is_dragged_into_place(page, browser_login, world, make, db):
    meeting, _ = running_meeting(make, world)
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/meetings/{meeting.id}")
    rows = page.locator("ol[data-order-url] > li")
    expect(rows.first).to_contain_text("Attendance data")

    page.set_viewport_size({"width": 1280, "height": 900})
    rows.nth(2).scroll_into_view_if_needed()
    handle = rows.nth(2).locator(".drag-handle").bounding_box()
    target = rows.first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 20, target["y"] + 4, steps=20)
    page.mouse.up()

    expect(page.locator("#order-status")).to_have_text("The new order is saved.")
    db.expire_all()
    titles = [i.title for i in db.get(Meeting, meeting.id).agenda_items]
    assert titles == ["New issues", "Attendance data", "Consent form"]
    page.reload()
    expect(rows.first).to_contain_text("New issues")
    page.get_by_role("button", name="↓ Down").first.click()  # the keyboard's way still works
    expect(rows.first).to_contain_text("Attendance data")


def test_notes_saved_meanwhile_by_someone_else_are_kept_beside_ours(
    page, browser_login, world, make, db
):
    meeting, _ = running_meeting(make, world)
    open_meeting_mode(page, browser_login, world, meeting)
    first = items_of(db, meeting)[0]
    services.save_item_notes(db, world.member.user, first, "Police: no change.", 0, NOW)
    db.commit()

    notes = page.get_by_label("Notes on “Attendance data”")
    notes.press_sequentially("Schools: up 4%.")
    expect(page.locator("#save-status")).to_have_text(re.compile("^Not saved"))
    expect(page.locator(f"#item-{first.id} .note-message")).to_contain_text(
        "Mo Member saved the notes of “Attendance data” while you were writing"
    )
    expect(notes).to_have_value("Police: no change.\n\nSchools: up 4%.")
    db.expire_all()
    assert db.get(AgendaItem, first.id).notes == "Police: no change."

    notes.press_sequentially(" Both agree.")  # combined by the writer, then saved
    expect(page.locator("#save-status")).to_have_text("Saved.")
    db.expire_all()
    assert db.get(AgendaItem, first.id).notes == "Police: no change.\n\nSchools: up 4%. Both agree."
