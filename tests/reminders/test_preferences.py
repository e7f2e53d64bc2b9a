"""Email preferences, one-click unsubscribe and the facilitator's "who receives what" page."""

from __future__ import annotations

from sqlalchemy import select

from partnerhub.notifications.models import NotificationPreference, ReminderKind
from partnerhub.notifications.preferences import (
    opted_out,
    read_unsubscribe_token,
    recipients_overview,
    unsubscribe_token,
    wants,
)
from partnerhub.partnerships.models import Role


def test_every_kind_is_wanted_until_turned_off_but_the_digest_which_is_asked_for(
    client, db, make, login_as
):
    user = make.user()
    db.commit()
    login_as(user)
    page = client.get("/account/email-preferences").get_data(as_text=True)
    assert page.count("checked") == len(ReminderKind) - 1
    assert opted_out(db, ReminderKind.DAILY_DIGEST, [user.id]) == {user.id}

    response = client.post(
        "/account/email-preferences",
        data={"meeting_reminder": "y", "procedure_review": "y"},
        follow_redirects=True,
    )
    assert "Your email preferences are saved." in response.get_data(as_text=True)
    assert opted_out(db, ReminderKind.AGREEMENT_RENEWAL, [user.id]) == {user.id}
    assert opted_out(db, ReminderKind.ACTION_ITEM_OVERDUE, [user.id]) == {user.id}
    assert opted_out(db, ReminderKind.MEETING_REMINDER, [user.id]) == set()
    page = client.get("/account/email-preferences").get_data(as_text=True)
    assert page.count("checked") == 2

    client.post("/account/email-preferences", data={"daily_digest": "y"})
    assert opted_out(db, ReminderKind.DAILY_DIGEST, [user.id]) == set()
    assert opted_out(db, ReminderKind.MEETING_REMINDER, [user.id]) == {user.id}


def test_unsubscribe_token_names_its_user_and_kind_and_refuses_forgeries(app):
    token = unsubscribe_token(app.config["SECRET_KEY"], 42, ReminderKind.PROCEDURE_REVIEW)
    assert read_unsubscribe_token(app.config["SECRET_KEY"], token) == (
        42,
        ReminderKind.PROCEDURE_REVIEW,
    )
    assert read_unsubscribe_token("another secret", token) is None
    assert read_unsubscribe_token(app.config["SECRET_KEY"], token[:-2] + "xx") is None
    assert read_unsubscribe_token(app.config["SECRET_KEY"], "garbage") is None


def test_get_asks_and_changes_nothing_then_one_click_post_unsubscribes(app, client, db, make):
    user = make.user()
    db.commit()
    token = unsubscribe_token(app.config["SECRET_KEY"], user.id, ReminderKind.MEETING_REMINDER)

    asked = client.get(f"/unsubscribe/{token}")
    assert asked.status_code == 200
    assert "Stop sending “Meeting reminders" in asked.get_data(as_text=True)
    assert db.scalars(select(NotificationPreference)).all() == []

    # What a mail program sends for RFC 8058 one-click: no cookie, no CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert opted_out(db, ReminderKind.MEETING_REMINDER, [user.id]) == {user.id}
    assert opted_out(db, ReminderKind.AGREEMENT_RENEWAL, [user.id]) == set()


def test_who_receives_what_follows_roles_and_choices(client, db, make, login_as):
    facilitator = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator)
    school = make.agency(partnership, "Helena Public Schools")
    liaison = make.member(partnership, make.user("Liam Liaison"), agency=school)
    school.liaison_id = liaison.id
    signatory = make.member(partnership, make.user("Sig Signatory"), signatory=True)
    observer = make.member(partnership, make.user("Olive Observer"), Role.OBSERVER)
    db.add(
        NotificationPreference(
            user_id=observer.user_id, kind=ReminderKind.MEETING_REMINDER, enabled=False
        )
    )
    db.add(
        NotificationPreference(
            user_id=liaison.user_id, kind=ReminderKind.DAILY_DIGEST, enabled=True
        )
    )
    db.commit()

    answers = {
        row.membership.user.name: [row.receives[kind] for kind in ReminderKind]
        for row in recipients_overview(db, partnership)
    }
    assert answers == {
        # … sign-off requests, training lapses, daily digest, final minutes, agency absences
        "Fiona Facilitator": ["yes", "yes", "yes", "yes", "yes", "", "yes", "off", "yes", "yes"],
        "Liam Liaison": ["yes", "yes", "", "yes", "yes", "yes", "yes", "yes", "yes", "yes"],
        "Sig Signatory": ["yes", "yes", "yes", "", "yes", "", "", "off", "yes", ""],
        "Olive Observer": ["opted out", "yes", "", "", "yes", "", "", "off", "yes", ""],
    }
    page = login_as(facilitator).get(f"/partnerships/{partnership.id}/recipients")
    assert page.status_code == 200
    assert page.text.count("opted out") == 1
    assert signatory.user.name in page.text


def test_the_account_page_links_to_email_preferences(client, db, make, login_as):
    user = make.user()
    db.commit()
    page = login_as(user).get("/account")
    assert 'href="/account/email-preferences">Email preferences</a>' in page.text


def test_wants_is_the_same_choice_as_a_condition_in_a_query(db, make):
    from partnerhub.auth.models import User

    asked, declined = make.user("Asked"), make.user("Declined")
    make.user("Silent")  # chose nothing
    db.add_all(
        [
            NotificationPreference(user_id=asked.id, kind=ReminderKind.DAILY_DIGEST, enabled=True),
            NotificationPreference(
                user_id=declined.id, kind=ReminderKind.MEETING_REMINDER, enabled=False
            ),
        ]
    )
    db.commit()

    def wanting(kind):
        return set(db.scalars(select(User.name).where(wants(kind, User.id))))

    assert wanting(ReminderKind.DAILY_DIGEST) == {"Asked"}
    assert wanting(ReminderKind.MEETING_REMINDER) == {"Asked", "Silent"}
