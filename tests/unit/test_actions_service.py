"""Action points without Telegram: parsing, owners, permissions, summaries and planners."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.models import ActionUpdate, Reminder
from bot.services import action_planning, coalitions, meetings, members, recipients, summaries
from bot.services import actions as service
from bot.services.action_parsing import Progress, find_tags, parse_progress, parse_reference
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.meetings import MeetingRequest
from bot.services.members import Member, PersonInfo
from bot.services.watchdogs import add_months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("progress 60% teams deployed to sector 4", ("progress", 60, "teams deployed to sector 4")),
        ("60% in progress: teams deployed", ("progress", 60, "teams deployed")),
        ("In Progress", ("progress", None, "")),
        ("terminé, plan remis", ("done", None, "plan remis")),
        ("Terminee", ("done", None, "")),
        ("en cours 30 % relevé", ("progress", 30, "relevé")),
        ("bloqué : pas de permis", ("blocked", None, "pas de permis")),
        ("منجز", ("done", None, "")),
        ("قيد التنفيذ ٤٥٪ تم نشر الفرق", ("progress", 45, "تم نشر الفرق")),
        ("مُتَعَثِّر", ("blocked", None, "")),
        ("ouvert", ("open", None, "")),
        ("teams are done with sector 4", (None, None, "teams are done with sector 4")),
        ("", (None, None, "")),
    ],
)
def test_status_words_and_percentages_in_three_languages(text, expected):
    progress = parse_progress(text, strict=True)
    assert (progress.status, progress.percent, progress.text) == expected


def test_a_bad_percentage_is_refused_in_a_command_and_text_in_chat():
    with pytest.raises(InvalidInput) as error:
        parse_progress("140% done", strict=True)
    assert error.value.params["value"] == "140%"
    assert parse_progress("140% more mines found", strict=False) == Progress(None, None, "140% more mines found")


def test_tags_share_the_leading_context_and_keep_their_own_words():
    tags = find_tags("Teams deployed #AP3 en cours 60%, #ap4 blocked: no permits #AP3 done")
    assert [(t.number, t.progress.status, t.progress.percent, t.progress.text) for t in tags] == [
        (3, "progress", 60, "Teams deployed"),
        (4, "blocked", None, "Teams deployed no permits"),
    ]
    assert find_tags("AP3 done") == [] and find_tags("see #AP3x") == [] and find_tags("x#AP3 done") == []
    assert find_tags("##AP3 done") == []


@pytest.mark.parametrize(("value", "number"), [("AP3", 3), ("#ap12", 12), ("7", 7)])
def test_references(value, number):
    assert parse_reference(value) == number


@pytest.mark.parametrize("value", ["M3", "AP", "three", "AP-3"])
def test_bad_references(value):
    with pytest.raises(InvalidInput):
        parse_reference(value)


def test_due_dates():
    assert service.read_due(["2027-03-31", "Survey"]) == (date(2027, 3, 31), ["Survey"])
    assert service.read_due(["Survey", "2027-03-31"]) == (None, ["Survey", "2027-03-31"])
    for bad in ("2027-02-30", "31/03/2027", "2027-13-01"):
        with pytest.raises(InvalidInput) as error:
            service.read_due([bad, "x"])
        assert error.value.params["value"] == bad


async def _coalition(s, clock):
    coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
    people = {}
    admin = await members.upsert_person(s, PersonInfo(9, "Rania", "rania"))  # a Telegram administrator
    for user, name, role, organisation in [
        (1, "nadia", "operator", "NPA"),
        (2, "pierre", "operator", "npa"),  # the first spelling is kept
        (3, "john", "donor", "Embassy of Norway"),
        (4, "salim", "national_authority", "LMAC"),
    ]:
        person = await members.upsert_person(s, PersonInfo(user, name.title(), name))
        record, _ = await members.join(s, coalition, person, "operator", organisation, clock.now())
        await members.set_role(s, coalition, Member(record, person), role, organisation, admin, clock.now())
        people[name] = Member(record, person)
    await s.flush()
    return coalition, people


async def test_owners_are_members_organisations_or_roles(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        author = people["salim"].person
        by_member, owner = await service.create(s, coalition, author, "@Nadia 2027-03-31 Survey plan", clock.now())
        assert (by_member.number, owner.kind, by_member.due_on, by_member.text) == (
            1,
            "member",
            date(2027, 3, 31),
            "Survey plan",
        )
        by_org, _ = await service.create(s, coalition, author, "embassy of norway Confirm  funding", clock.now())
        assert (by_org.owner_kind, by_org.owner_name, by_org.text) == (
            "organisation",
            "Embassy of Norway",
            "Confirm funding",
        )
        by_role, _ = await service.create(s, coalition, author, "National_Authority Draft request", clock.now())
        assert (by_role.number, by_role.owner_kind, by_role.owner_name) == (3, "role", "national_authority")
        everyone = await recipients.active_members(s, coalition.id)
        assert [m.person.username for m in service.owners(by_member, everyone)] == ["nadia"]
        assert [m.person.username for m in service.owners(by_org, everyone)] == ["john"]
        assert [m.person.username for m in service.owners(by_role, everyone)] == ["salim"]
        npa, _ = await service.create(s, coalition, author, "NPA Share figures", clock.now())
        assert [m.person.username for m in service.owners(npa, everyone)] == ["nadia", "pierre"]
        for bad, error in [
            ("@ghost Task", NotFound),
            ("Acme Task", NotFound),
            ("NPA", InvalidInput),
            ("", InvalidInput),
        ]:
            with pytest.raises(error):
                await service.create(s, coalition, author, bad, clock.now())


async def test_only_owners_and_managers_change_status(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        action, _ = await service.create(s, coalition, people["salim"].person, "NPA Share figures", clock.now())
        pierre, john = people["pierre"], people["john"]
        assert service.owns(pierre, action) and not service.owns(john, action)
        row = await service.record(s, action, pierre.person, True, Progress(None, 40, "half"), clock.now())
        assert (action.status, action.percent, row.status, row.comment) == ("progress", 40, "progress", False)
        with pytest.raises(NotAllowed):
            await service.record(s, action, john.person, False, Progress("done", None, ""), clock.now())
        comment = await service.record(
            s,
            action,
            john.person,
            False,
            Progress("done", None, ""),
            clock.now(),
            conversational=True,
            said="#AP1 done?",
        )
        assert (comment.comment, comment.text, comment.status, action.status) == (True, "#AP1 done?", None, "progress")
        assert (
            await service.record(
                s, action, john.person, False, Progress(None, None, ""), clock.now(), conversational=True
            )
            is None
        )
        with pytest.raises(InvalidInput):
            await service.record(s, action, pierre.person, True, Progress(None, None, ""), clock.now())
        await service.record(s, action, people["salim"].person, True, service.closing(action, "ok"), clock.now())
        assert action.status == "done"
        with pytest.raises(InvalidInput):
            service.closing(action, "")
        service.reopening(action, "")
        await s.flush()
        rows = (await s.exec(select(ActionUpdate).order_by(ActionUpdate.id))).all()
        assert [(r.status, r.comment) for r in rows] == [("progress", False), (None, True), ("done", False)]


async def test_filters_by_member_organisation_and_role(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        author = people["salim"].person
        for text in ("@nadia 2027-01-01 A", "NPA B", "@john C", "operator D", "donor E"):
            await service.create(s, coalition, author, text, clock.now())

        async def numbers(*scope, member=None):
            found = await service.select_items(s, coalition, list(scope), member, clock.now())
            return [i.action.number for i in found]

        assert await numbers() == [1, 2, 3, 4, 5]
        assert await numbers("mine", member=people["pierre"]) == [2, 4]
        assert await numbers("overdue") == [1]
        assert await numbers("@nadia") == [1, 2, 4]
        assert await numbers("NPA") == [1, 2]
        assert await numbers("operator") == [1, 4]
        with pytest.raises(InvalidInput):
            await numbers("NPA", "extra")
        (item,) = await service.select_items(s, coalition, ["overdue"], None, clock.now())
        assert item.overdue_days == 9  # 1 January to 10 January


async def test_summary_window_and_notes(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        author = people["salim"].person
        start = clock.now()
        first = await meetings.schedule(s, coalition, MeetingRequest(start + timedelta(days=1), "M1", ""), start)
        second = await meetings.schedule(s, coalition, MeetingRequest(start + timedelta(days=30), "M2", ""), start)
        with pytest.raises(InvalidInput):
            await summaries.add_note(s, coalition, author, "too early", start)
        during_first = start + timedelta(days=1, hours=1)
        await service.create(s, coalition, author, "NPA Agreed at M1", during_first)
        await summaries.add_note(s, coalition, author, "Decision  of M1", during_first)
        await service.create(s, coalition, author, "NPA Agreed between meetings", start + timedelta(days=10))
        during_second = start + timedelta(days=30, hours=1)
        await service.create(s, coalition, author, "NPA Agreed at M2", during_second)
        later = start + timedelta(days=31)
        one = await summaries.compose(s, coalition, first, later)
        two = await summaries.compose(s, coalition, second, later)
        assert [i.action.text for i in one.actions] == ["Agreed at M1", "Agreed between meetings"]
        assert [i.action.text for i in two.actions] == ["Agreed between meetings", "Agreed at M2"]
        assert [n.text for n in one.notes] == ["Decision of M1"] and two.notes == []
        assert await summaries.held_meeting(s, coalition, None, later) == second
        with pytest.raises(InvalidInput):
            await summaries.held_meeting(s, coalition, "M2", start)
        assert await summaries.plan_fan_out(s, coalition, second, later, "42")
        assert not await summaries.plan_fan_out(s, coalition, second, later, "42")  # a replayed command


async def test_midterm_planning_follows_the_next_meeting(db, clock):
    async with db.transaction() as s:
        coalition, _ = await _coalition(s, clock)
        start = clock.now()
        assert not await action_planning.plan_midterm(s, coalition, start)  # no meeting held yet
        held = start + timedelta(days=1)
        await meetings.schedule(s, coalition, MeetingRequest(held, "M1", ""), start)
        after = held + timedelta(days=1)
        assert await action_planning.plan_midterm(s, coalition, after)
        assert not await action_planning.plan_midterm(s, coalition, after)  # planned once

        async def due():
            rows = await s.exec(select(Reminder).where(Reminder.kind.like("midterm%")).order_by(Reminder.key))
            return {r.key: r.due_at for r in rows}

        half = (add_months(held, 6) - held) / 2
        assert await due() == {"midterm:ask:1": held + half - timedelta(days=7), "midterm:draft:1": held + half}
        await meetings.schedule(s, coalition, MeetingRequest(held + timedelta(days=40), "M2", ""), after)
        await action_planning.plan_midterm(s, coalition, after)
        assert await due() == {"midterm:ask:1": held + timedelta(days=13), "midterm:draft:1": held + timedelta(days=20)}
        assert await action_planning.plan_midterm(s, coalition, held + timedelta(days=41))  # M2 opens a cycle
        assert {"midterm:ask:2", "midterm:draft:2"} <= set(await due())


async def test_no_midterm_once_the_cycle_is_over(db, clock):
    async with db.transaction() as s:
        coalition, _ = await _coalition(s, clock)
        held = clock.now() + timedelta(days=1)
        await meetings.schedule(s, coalition, MeetingRequest(held, "M1", ""), clock.now())
        assert not await action_planning.plan_midterm(s, coalition, held + timedelta(days=200))


async def test_overdue_digest_planning(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)  # Beirut, UTC+2 in January
        nine = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)

        async def keys():
            rows = await s.exec(select(Reminder).where(Reminder.kind == "overdue").order_by(Reminder.key))
            return [(r.key, r.due_at) for r in rows]

        await service.create(s, coalition, people["salim"].person, "NPA 2027-01-11 Due today", clock.now())
        assert not await action_planning.plan_overdue_digest(s, coalition, nine - timedelta(hours=2))
        assert await keys() == []  # nothing overdue on the 11th; on the 12th it will be
        assert await action_planning.plan_overdue_digest(s, coalition, nine + timedelta(hours=1))
        assert await keys() == [("overdue:1:2027-01-12", nine + timedelta(days=1))]
        await service.create(s, coalition, people["salim"].person, "NPA 2027-01-05 Late", clock.now())
        assert await action_planning.plan_overdue_digest(s, coalition, nine + timedelta(hours=2))
        assert ("overdue:1:2027-01-11", nine) in await keys()  # caught up within three hours
        s.add(coalition)
        coalition.timezone = "UTC"
        await action_planning.plan_overdue_digest(s, coalition, nine + timedelta(hours=2))
        assert ("overdue:1:2027-01-12", datetime(2027, 1, 12, 9, 0, tzinfo=UTC)) in await keys()  # follows the zone


async def test_no_catch_up_long_after_nine(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        await service.create(s, coalition, people["salim"].person, "NPA 2027-01-05 Late", clock.now())
        evening = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)
        await action_planning.plan_overdue_digest(s, coalition, evening)
        rows = (await s.exec(select(Reminder.key).where(Reminder.kind == "overdue"))).all()
        assert rows == ["overdue:1:2027-01-12"]


async def test_progress_written_in_chat_owners_update_others_comment_strangers_are_ignored(db, clock):
    async with db.transaction() as s:
        coalition, people = await _coalition(s, clock)
        salim = people["salim"].person
        npa_point, _ = await service.create(s, coalition, salim, "NPA Survey of sector 4", clock.now())
        norway_point, _ = await service.create(s, coalition, salim, "embassy of norway Funding", clock.now())
        asked = []

        async def admin(answer: bool):
            asked.append(answer)
            return answer

        async def person_of(person):
            written.append(person)
            return person

        written = []

        done = Progress("done", None, "")
        rows = await service.record_from_chat(
            s,
            people["nadia"],
            lambda: person_of(people["nadia"].person),
            [(npa_point, done), (norway_point, done)],
            lambda: admin(False),
            clock.now(),
            "#AP1 #AP2 done",
        )
        assert [(r.action_id, r.comment) for r in rows] == [(npa_point.id, False), (norway_point.id, True)]
        assert asked == [False]  # asked once, only for the point Nadia does not own
        assert (npa_point.status, norway_point.status) == ("done", "open")

        passer_by = await members.upsert_person(s, PersonInfo(99, "Passer-by"))
        assert (
            await service.record_from_chat(
                s,
                None,
                lambda: person_of(passer_by),
                [(norway_point, done)],
                lambda: admin(False),
                clock.now(),
                "#AP2 done",
            )
            == []
        )
        assert passer_by not in written  # ignored words never ask for their writer's row
        rows = await service.record_from_chat(
            s, None, lambda: person_of(passer_by), [(norway_point, done)], lambda: admin(True), clock.now(), "#AP2 done"
        )
        assert [(r.action_id, r.comment) for r in rows] == [(norway_point.id, False)]  # a group administrator
        assert norway_point.status == "done"
