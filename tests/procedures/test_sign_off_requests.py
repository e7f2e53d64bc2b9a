"""The sweep asks whoever signs for each agency to sign a procedure version in review."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from partnerhub.notifications import sweep
from partnerhub.notifications.models import OutboxMessage
from partnerhub.procedures import services
from tests.procedures.test_status import NOW, started


def run_sweep(app, now):
    database = app.extensions["partnerhub.database"]
    with app.app_context(), database.transaction() as session:
        return sweep(session, now)


def requests(db) -> Counter:
    db.expire_all()
    return Counter(
        db.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "sign_off_request"))
    )


def emails_of(*memberships) -> Counter:
    return Counter(m.user.email for m in memberships)


def test_each_agency_s_liaison_and_alternate_are_asked_once(app, db, table):
    started(db, table)
    db.commit()

    run_sweep(app, NOW)
    run_sweep(app, NOW + timedelta(minutes=5))

    signers = [*table.liaisons.values(), *table.alternates.values()]
    assert requests(db) == emails_of(*signers)


def test_agencies_that_signed_are_not_asked_and_a_new_liaison_is(app, db, make, table):
    procedure = started(db, table)
    version = procedure.latest_version
    services.sign_off(db, table.liaisons[table.police.id], procedure, version, table.police.id, NOW)
    db.commit()
    run_sweep(app, NOW)
    assert table.liaisons[table.police.id].user.email not in requests(db)

    newcomer = make.member(table.partnership, make.user("Nora Newcomer"), agency=table.health)
    table.health.liaison_id = newcomer.id
    db.commit()
    run_sweep(app, NOW + timedelta(minutes=5))

    assert requests(db)[newcomer.user.email] == 1
    assert sum(requests(db).values()) == 5  # school x2, health x2, the newcomer


def test_the_request_links_to_the_version_and_names_who_is_still_to_sign(app, db, table, smtp):
    from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
    from partnerhub.notifications.mailer import transport_for

    started(db, table, summary="Weekly instead of monthly")
    db.commit()
    run_sweep(app, NOW)
    with app.app_context(), app.extensions["partnerhub.database"].sessionmaker() as session:
        deliver_due(
            session,
            transport_for(app.config["MAIL_URL"]),
            app.config["MAIL_FROM"],
            lambda: NOW,
            DeliveryPolicy.from_config(app.config),
        )

    email = next(m for m in smtp.messages if m["To"] == table.liaisons[table.police.id].user.email)
    assert email["Subject"].strip() == (
        "Sign-off requested: Attendance sharing, version 1 (Helena Youth Partnership)"
    )
    text = email.get_body(("plain",)).get_content()
    assert "What changed: Weekly instead of monthly" in text
    assert "Helena Police Department" in text and "Helena Public Schools" in text
    assert "/procedures/" in text and "/versions/1" in text
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
