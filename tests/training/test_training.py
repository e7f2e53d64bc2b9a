"""Training: facilitators record trainings and who attended; everyone sees who is trained in
what and until when; lapses and gaps are flagged, and lapses emailed once per threshold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import func, select

from partnerhub.audit.models import AuditEvent
from partnerhub.auth.models import User
from partnerhub.demo import load_demo
from partnerhub.notifications.models import Flag, FlagKind, OutboxMessage
from partnerhub.partnerships.models import PartnerAgency, Partnership, Role, Sector
from partnerhub.procedures.models import Framework
from partnerhub.training import queries
from partnerhub.training.models import TrainingAttendance, TrainingPolicy, TrainingSession
from partnerhub.training.queries import Status
from tests.clock import NOW, TODAY

FERPA, STATE, PROCEDURES = Framework.FERPA, Framework.STATE_CODE, Framework.PROCEDURES


def shown(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def base(world) -> str:
    return f"/partnerships/{world.partnership.id}/training"


def school(db, world) -> PartnerAgency:
    return db.get(PartnerAgency, world.member.partner_agency_id)


def standings(db, world, today=TODAY) -> dict[Framework, queries.Standing]:
    found = queries.coverage(db, [world.partnership.id], today)[world.partnership.id]
    (person,) = [p for p in found.people if p.membership.id == world.member.id]
    return {s.framework: s for s in person.standings}


# --- recording ---------------------------------------------------------------------------


def test_a_facilitator_records_a_training_with_its_attendees_and_it_is_audited(
    client, login_as, world, db
):
    login_as(world.facilitator.user)
    response = client.post(
        f"{base(world)}/new",
        data={
            "title": "Confidentiality laws for school staff",
            "frameworks": ["ferpa", "state_code"],
            "held_on": "2026-02-10",
            "format": "in_person",
            "trainer": "Nora Fitzgerald",
            "materials": "https://helena.example.org/slides.pdf\n\nhttps://studentprivacy.ed.gov/",
            "attendees": [str(world.member.id), str(world.observer.id)],
        },
    )
    assert response.status_code == 302
    training = db.scalars(select(TrainingSession)).one()
    assert training.frameworks == ["ferpa", "state_code"]
    assert training.materials == [
        "https://helena.example.org/slides.pdf",
        "https://studentprivacy.ed.gov/",
    ]
    agencies = dict(
        db.execute(
            select(TrainingAttendance.membership_id, TrainingAttendance.partner_agency_id)
        ).all()
    )
    assert agencies == {world.member.id: world.member.partner_agency_id, world.observer.id: None}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "training.recorded")).one()
    assert event.partnership_id == world.partnership.id
    page = shown(client, response.headers["Location"])
    assert "Mo Member" in page and "Helena Public Schools" in page


def test_a_training_is_changed_and_its_attendance_follows(client, login_as, world, db, train):
    training = train(world.partnership, date(2026, 2, 10), [world.member])
    login_as(world.facilitator.user)
    form = shown(client, f"{base(world)}/{training.id}/edit")
    assert 'value="FERPA training"' in form
    client.post(
        f"{base(world)}/{training.id}/edit",
        data={
            "title": "FERPA training",
            "frameworks": ["ferpa"],
            "held_on": "2026-02-11",
            "format": "online",
            "attendees": [str(world.observer.id)],
        },
    )
    db.expire_all()
    assert db.get(TrainingSession, training.id).held_on == date(2026, 2, 11)
    assert db.scalars(select(TrainingAttendance.membership_id)).all() == [world.observer.id]


def test_bad_input_is_shown_at_the_field_and_what_was_typed_is_kept(client, login_as, world, db):
    login_as(world.facilitator.user)
    ahead = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(
        f"{base(world)}/new",
        data={
            "title": "Part 2 refresher",
            "frameworks": ["part2"],
            "held_on": ahead,
            "format": "online",
            "materials": "slides on the shared drive",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is not a full link" in page and "Part 2 refresher" in page
    response = client.post(
        f"{base(world)}/new",
        data={"title": "Part 2 refresher", "held_on": ahead, "format": "online"},
    )
    assert "Choose what the training covered." in response.get_data(as_text=True)
    response = client.post(
        f"{base(world)}/new",
        data={"title": "Part 2 refresher", "frameworks": ["part2"], "held_on": ahead},
    )
    assert "the date is still ahead" in response.get_data(as_text=True)
    stranger = client.post(
        f"{base(world)}/new",
        data={
            "title": "Part 2 refresher",
            "frameworks": ["part2"],
            "held_on": "2026-01-05",
            "attendees": [str(world.other_facilitator.id)],
        },
    )
    assert stranger.status_code == 200
    assert db.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_members_see_trainings_but_only_facilitators_record_them(client, login_as, world, train):
    training = train(world.partnership, date(2026, 2, 10), [world.member])
    login_as(world.member.user)
    page = shown(client, base(world))
    assert "FERPA training" in page and "Record a training" not in page
    assert client.get(f"{base(world)}/new").status_code == 403
    assert client.post(f"{base(world)}/{training.id}/remove").status_code == 403


def test_a_training_of_another_partnership_is_not_found_through_this_one(
    client, login_as, world, train
):
    theirs = train(world.other_partnership, date(2026, 2, 10), [world.other_facilitator])
    login_as(world.facilitator.user)
    assert client.get(f"{base(world)}/{theirs.id}").status_code == 404
    assert client.get(f"{base(world)}/{theirs.id}/edit").status_code == 404
    assert client.post(f"{base(world)}/{theirs.id}/remove").status_code == 404


# --- coverage ----------------------------------------------------------------------------


def test_each_framework_is_current_lapsing_lapsed_or_missing(db, world, train):
    train(world.partnership, date(2025, 4, 20), [world.member], [FERPA])  # lapses 20 Apr
    train(world.partnership, date(2025, 1, 10), [world.member], [STATE])  # lapsed 10 Jan
    train(world.partnership, date(2025, 12, 1), [world.member], [STATE, Framework.HIPAA])
    train(world.partnership, date(2026, 6, 1), [world.member], [PROCEDURES])  # not yet held
    found = standings(db, world)
    assert found[FERPA].status is Status.LAPSING
    assert found[FERPA].lapses_on == date(2026, 4, 20)
    assert (found[STATE].status, found[STATE].trained_on) == (Status.CURRENT, date(2025, 12, 1))
    assert found[PROCEDURES].status is Status.MISSING
    assert Framework.HIPAA not in found  # schools need FERPA, state code and procedures
    assert standings(db, world, date(2026, 4, 20))[FERPA].status is Status.LAPSED


def test_the_coverage_page_shows_counts_lapse_dates_and_who_is_missing(
    client, login_as, world, make, db, train
):
    colleague = make.member(world.partnership, make.user("Cal Counselor"), agency=school(db, world))
    train(world.partnership, date(2025, 9, 1), [world.member], [FERPA, STATE, PROCEDURES])
    db.commit()
    login_as(world.observer.user)
    page = shown(client, f"{base(world)}/coverage")
    assert "1 of 2</strong> trained" in page
    assert "lapses from 01 Sep 2026" in page
    assert "Missing: Cal Counselor" in page
    assert colleague.user.name in page


def test_the_coverage_page_reads_the_same_number_of_statements_for_more_data(
    client, login_as, world, make, db, train, count_queries
):
    login_as(world.facilitator.user)

    def grow(times: int) -> None:
        for n in range(times):
            agency = make.agency(world.partnership, f"Agency {n} {times}", Sector.MENTAL_HEALTH)
            people = [make.member(world.partnership, agency=agency) for _ in range(3)]
            train(world.partnership, date(2025, 6, 1), people, [Framework.HIPAA, STATE])
            train(world.partnership, date(2025, 11, 1), people[:1], [Framework.PART2])

    def statements() -> int:
        with count_queries() as queries_run:
            shown(client, f"{base(world)}/coverage")
        return len(queries_run)

    grow(1)
    once = statements()
    grow(6)
    assert statements() == once


def test_settings_choose_how_long_training_lasts_and_who_needs_what(
    client, login_as, world, db, train
):
    train(world.partnership, date(2025, 1, 10), [world.member], [FERPA])
    assert standings(db, world)[FERPA].status is Status.LAPSED
    login_as(world.facilitator.user)
    form = shown(client, f"{base(world)}/settings")
    assert 'value="12"' in form
    refused = client.post(f"{base(world)}/settings", data={"current_months": "0"})
    assert "Choose between 1 and 60 months." in refused.get_data(as_text=True)
    saved = client.post(
        f"{base(world)}/settings", data={"current_months": "24", "needs_school": ["ferpa"]}
    )
    assert saved.status_code == 302
    db.expire_all()
    policy = db.scalars(select(TrainingPolicy)).one()
    assert policy.current_months == 24 and policy.requirements["school"] == ["ferpa"]
    assert list(standings(db, world)) == [FERPA]
    assert standings(db, world)[FERPA].status is Status.CURRENT
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "training.policy_saved"))


# --- overview, dashboard, flags, sweep --------------------------------------------------


def test_gaps_and_lapses_show_on_the_overview_and_the_dashboard(client, login_as, world, train):
    train(world.partnership, date(2025, 4, 20), [world.member], [FERPA, STATE])
    login_as(world.facilitator.user)
    overview = shown(client, f"/partnerships/{world.partnership.id}")
    assert escape("Not trained: Mo Member (The partnership's procedures)") in overview
    assert "Lapsing soon: Mo Member (FERPA, State code)" in overview
    dashboard = shown(client, "/")
    assert "Training: 1 not trained, 2 lapsing soon" in dashboard


def local(day: date, hour: int = 9) -> datetime:
    return datetime(
        day.year, day.month, day.day, hour, tzinfo=ZoneInfo("America/Denver")
    ).astimezone(UTC)


def test_a_lapse_is_flagged_at_each_threshold_and_emailed_once_to_the_liaison_and_facilitators(
    db, world, train, run_sweep, deliver_outbox, smtp, app
):
    school(db, world).liaison_id = world.member.id
    train(world.partnership, date(2025, 9, 1), [world.member], [FERPA, STATE, PROCEDURES])
    db.commit()
    for day in (date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 3), date(2026, 8, 31)):
        run_sweep(local(day))
    flag = db.scalars(select(Flag).where(Flag.kind == FlagKind.TRAINING_LAPSE)).one()
    assert (flag.raised_on, flag.threshold, flag.due_on) == (
        date(2026, 7, 3),
        "60_days",
        date(2026, 9, 1),
    )
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    run_sweep(local(date(2026, 9, 1)))
    run_sweep(local(date(2026, 9, 1), 15))
    db.expire_all()
    assert db.get(Flag, flag.id).threshold == "expiry"
    messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(messages) == 4
    assert {m.recipient for m in messages} == {
        world.facilitator.user.email,
        world.member.user.email,
    }
    assert world.observer.user.email not in {m.recipient for m in messages}
    deliver_outbox(local(date(2026, 9, 1), 16))
    assert len(smtp.messages) == 4
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects[0].startswith("Training lapsed: Mo Member, FERPA, State code")
    bodies = [m.get_body(("plain",)).get_content() for m in smtp.messages]
    assert sum("has training that lapsed on Tuesday 1 September 2026" in b for b in bodies) == 2


def test_a_retrained_person_s_lapse_flag_is_resolved_and_gaps_are_flagged(
    client, login_as, db, world, train, run_sweep
):
    train(world.partnership, date(2025, 4, 20), [world.member], [FERPA, STATE])
    run_sweep(NOW)
    flags = {f.kind: f for f in db.scalars(select(Flag))}
    assert set(flags) == {FlagKind.TRAINING_LAPSE, FlagKind.TRAINING_GAP}
    assert "Mo Member" in flags[FlagKind.TRAINING_GAP].title
    login_as(world.facilitator.user)
    page = shown(client, f"/partnerships/{world.partnership.id}/flags")
    assert "Training lapse" in page and "Training missing" in page
    train(world.partnership, TODAY, [world.member], [FERPA, STATE, PROCEDURES])
    run_sweep(NOW)
    db.expire_all()
    assert all(f.resolved_at is not None for f in db.scalars(select(Flag)))


# --- a person's record, the year's figures, the demo --------------------------------------


def test_a_person_sees_their_own_record_across_partnerships(
    client, login_as, world, make, db, train
):
    train(world.partnership, date(2025, 9, 1), [world.member], [FERPA])
    other = make.member(world.other_partnership, world.member.user, Role.MEMBER)
    train(world.other_partnership, date(2025, 10, 2), [other], [Framework.HIPAA])
    train(world.partnership, date(2025, 11, 3), [world.observer], [Framework.PART2])
    db.commit()
    login_as(world.member.user)
    page = shown(client, "/training/mine")
    assert "Helena Youth Partnership" in page and "Grossmont Partnership" in page
    assert "01 Sep 2025" in page and "02 Oct 2025" in page
    assert "03 Nov 2025" not in page  # someone else's
    assert "training-record" in page


def test_year_figures_count_sessions_by_framework_and_coverage_at_the_end(db, world, train, make):
    train(world.partnership, date(2025, 1, 15), [world.member], [FERPA, STATE, PROCEDURES])
    train(world.partnership, date(2025, 6, 1), [], [FERPA])
    train(world.partnership, date(2026, 2, 1), [world.member], [FERPA])
    make.member(world.partnership, agency=school(db, world))
    db.commit()
    figures = queries.year_figures(db, world.partnership.id, date(2025, 1, 1), date(2025, 12, 31))
    assert figures.sessions == 2
    assert figures.sessions_by_framework == {FERPA: 2, STATE: 1, PROCEDURES: 1}
    assert [(a.agency, a.trained, a.required) for a in figures.agencies] == [
        ("Helena Public Schools", 1, 2)
    ]
    later = queries.year_figures(db, world.partnership.id, date(2026, 1, 1), date(2026, 3, 1))
    assert (later.sessions, later.agencies[0].trained) == (1, 0)  # state code lapsed in January


def test_the_demo_partnership_has_its_training_with_a_lapse_coming_and_one_past(db):
    load_demo(db, NOW)
    db.commit()
    partnership = db.scalar(select(Partnership))
    assert db.scalar(select(func.count()).select_from(TrainingSession)) == 3
    found = queries.coverage(db, [partnership.id], TODAY)[partnership.id]
    assert found.count(Status.LAPSING) and found.count(Status.LAPSED)
    assert found.count(Status.CURRENT)
    assert escape("Capital Area Recovery Services") in {a.organization.name for a in found.agencies}


def test_the_dashboard_and_overview_find_the_people_the_coverage_shows(db, make, train):
    """The dashboard and the overview read each person's standings in one statement, the
    coverage page with its grid: they agree over a training's life, with an observer trained
    (read-only seats share nothing), an agency gone, a session not yet held and a partnership
    not keeping track of training."""
    load_demo(db, NOW)
    demo = db.scalar(select(Partnership))
    agencies = db.scalars(select(PartnerAgency).where(PartnerAgency.partnership_id == demo.id))
    first, gone = agencies.all()[:2]
    observer = make.member(demo, role=Role.OBSERVER, agency=first)
    leaving = make.member(demo, agency=gone)
    train(demo, TODAY - timedelta(days=30), [observer, leaving], [Framework.FERPA])
    train(demo, TODAY + timedelta(days=100), [observer], [Framework.HIPAA, Framework.FERPA])
    gone.left_on = TODAY - timedelta(days=1)
    untracked = make.partnership(db.scalar(select(User).where(User.id == observer.user_id)))
    db.commit()
    ids = [demo.id, untracked.id]
    seen = set()
    later = TODAY.replace(year=TODAY.year + 3)
    for day in (TODAY - timedelta(days=400), TODAY, TODAY + timedelta(days=200), later):
        shown = queries.coverage(db, ids, day, only_tracked=True)
        expected = {
            pid: [(p.membership.id, p.membership.user.name, p.standings) for p in found.people]
            for pid, found in shown.items()
            if found.tracked
        }
        found = queries.trainees(db, ids, day)
        assert {
            pid: [(p.membership_id, p.name, p.standings) for p in people]
            for pid, people in found.items()
        } == expected
        seen |= {s.status for people in found.values() for p in people for s in p.standings}
    assert list(expected) == [demo.id]
    assert seen == set(Status)


def test_a_partnership_not_yet_keeping_track_of_training_is_not_flagged(
    client, login_as, db, world, run_sweep
):
    run_sweep(NOW)
    assert db.scalars(select(Flag)).all() == []
    login_as(world.facilitator.user)
    assert "Training:" not in shown(client, "/")
    assert "No training recorded yet." in shown(client, f"/partnerships/{world.partnership.id}")
    client.post(f"{base(world)}/settings", data={"current_months": "12", "needs_school": "ferpa"})
    run_sweep(NOW)
    assert db.scalars(select(Flag.kind)).all() == [FlagKind.TRAINING_GAP]
    assert "Training: 1 not trained" in shown(client, "/")


def test_the_demo_s_training_pages_show_helena_s_training(client, login_as, db):
    load_demo(db, NOW)
    db.commit()
    partnership = db.scalar(select(Partnership))
    treatment = db.scalars(
        select(TrainingSession).where(TrainingSession.title.like("42 CFR Part 2%"))
    ).one()
    login_as(db.get(User, partnership.created_by_id))
    url = f"/partnerships/{partnership.id}/training"
    assert "Confidentiality laws for school and youth-serving staff" in shown(client, url)
    coverage = shown(client, f"{url}/coverage")
    assert "Capital Area Recovery Services" in coverage and "Lapsed" in coverage
    assert "Paul Rasmussen" in shown(client, f"{url}/{treatment.id}")
    assert "Lapsing soon" in shown(client, f"/partnerships/{partnership.id}")
    record = shown(client, "/training/mine")
    assert "Our joint release of information, step by step" in record
