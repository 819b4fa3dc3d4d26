"""The rules of leaving (SPEC §3): a membership that ends, exact @usernames, a paused
coalition's held reminders, the stored administrator lists, the closing of a coalition, and
what `/forgetme` must erase besides the person's own rows."""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import (
    ActionMessage,
    ActionPoint,
    Coalition,
    Delivery,
    DialogState,
    EditNotice,
    GroupAdmin,
    Meeting,
    Membership,
    OutboxMessage,
    Person,
    Reminder,
    Rsvp,
)
from bot.services import closing, coalitions, group_admins, leaving, members, privacy, reminders
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member, PersonInfo


async def _coalition(s, clock, chat_id=-100, country="Lebanon"):
    coalition, _ = await coalitions.setup(s, chat_id, "Group", SetupRequest(country), clock.now())
    return coalition


async def _member(s, coalition, clock, user_id, name, role="operator", organisation=None):
    person = await members.upsert_person(s, PersonInfo(user_id, name, name.lower()))
    record, _ = await members.join(s, coalition, person, role, organisation, clock.now())
    return Member(record, person)


async def test_usernames_match_exactly_without_case_and_never_as_patterns(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _member(s, coalition, clock, 1, "johnadoe")
        john = await _member(s, coalition, clock, 2, "John_Doe")
        await members.upsert_person(s, PersonInfo(3, "Salim", "salim"))  # known, never joined
        assert (await members.find_member(s, coalition, "@john_doe")).person.id == john.person.id
        assert (await members.find_member(s, coalition, "JOHN_DOE")).person.id == john.person.id
        for pattern in ("@john%", "@%", "@j_hnadoe", "@john_do"):
            with pytest.raises(NotFound) as nobody:
                await members.find_member(s, coalition, pattern)
            assert "Nobody" in nobody.value.message
        with pytest.raises(NotFound) as outsider:
            await members.find_member(s, coalition, "@salim")
        assert "not a member" in outsider.value.message and outsider.value.params == {"value": "@salim"}


async def test_a_stale_username_on_two_members_is_refused_not_guessed(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _member(s, coalition, clock, 1, "amal")
        renamed = await _member(s, coalition, clock, 2, "karim")
        renamed.person.username = "Amal"  # the old row of someone who took over the name
        with pytest.raises(InvalidInput) as twice:
            await members.find_member(s, coalition, "@amal")
        assert "Several" in twice.value.message


async def test_leaving_ends_everything_the_membership_allowed_and_keeps_the_records(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        other = await _coalition(s, clock, -200, "Lao PDR")
        nadia = await _member(s, coalition, clock, 1, "Nadia", "facilitator", "NPA")
        nadia.membership.facilitator_since, nadia.membership.concerns_after = clock.now(), 0
        await members.join(s, other, nadia.person, "operator", "NPA", clock.now())
        meeting = Meeting(
            coalition_id=coalition.id, number=1, starts_at=clock.now() + timedelta(days=9), created_at=clock.now()
        )
        s.add(meeting)
        await s.flush()
        s.add(Rsvp(meeting_id=meeting.id, person_id=nadia.person.id, answer="yes", answered_at=clock.now()))
        ours = Reminder(key="r1", coalition_id=coalition.id, kind=Kind.MEETING, due_at=clock.now())
        theirs = Reminder(key="r2", coalition_id=other.id, kind=Kind.MEETING, due_at=clock.now())
        s.add_all([ours, theirs])
        await s.flush()
        recipient = reminders.person_recipient(nadia.person.id)
        s.add_all(
            [
                Delivery(reminder_id=ours.id, recipient=recipient, state="queued"),
                Delivery(reminder_id=theirs.id, recipient=recipient, state="queued"),
                Delivery(reminder_id=ours.id, recipient="group", state="queued"),
                OutboxMessage(chat_id=1, parts="[]", coalition_id=coalition.id, created_at=clock.now()),
                OutboxMessage(chat_id=1, parts="[]", coalition_id=other.id, created_at=clock.now()),
                DialogState(chat_id=-100, tg_user_id=1, name="report", step="period", expires_at=clock.now()),
                GroupAdmin(coalition_id=coalition.id, tg_user_id=1),
            ]
        )
        await s.flush()

        ended = await leaving.leave(s, coalition, 1, clock.now())
        assert ended is not None and not ended.is_active
        record = ended.membership
        assert (record.role, record.pending_role, record.facilitator_since, record.concerns_after) == (
            None,
            None,
            None,
            None,
        )
        assert record.left_at == clock.now() and record.organisation == "NPA"  # the record of who they were
        assert await leaving.leave(s, coalition, 1, clock.now()) is None  # reported twice: once is enough
        assert await leaving.leave(s, coalition, 99, clock.now()) is None  # never known
        deliveries = {(d.reminder_id, d.recipient) for d in await s.exec(select(Delivery))}
        assert deliveries == {(theirs.id, recipient), (ours.id, "group")}
        assert [m.coalition_id for m in await s.exec(select(OutboxMessage))] == [other.id]
        assert (await s.exec(select(DialogState))).all() == []
        assert await group_admins.of_coalition(s, coalition.id) == frozenset()
        assert len((await s.exec(select(Rsvp))).all()) == 1
        assert [c.id for c, _ in await members.coalitions_of(s, nadia.person)] == [other.id]
        with pytest.raises(NotFound):
            await members.find_member(s, coalition, "@nadia")

        again, pending = await members.join(
            s, coalition, nadia.person, "operator", None, clock.now() + timedelta(days=1)
        )
        assert again.id == record.id and not pending  # rejoining starts over
        assert (again.role, again.organisation, again.left_at) == ("operator", None, None)
        assert again.joined_at == clock.now() + timedelta(days=1)


async def test_a_paused_coalition_holds_its_reminders_and_resumes_without_a_burst(db, clock):
    now = clock.now()
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        other = await _coalition(s, clock, -200, "Lao PDR")
        meeting = Meeting(coalition_id=coalition.id, number=1, starts_at=now + timedelta(days=30), created_at=now)
        s.add(meeting)
        await s.flush()
        for key, kind, due, meeting_id in (
            ("m:14d", Kind.MEETING, now + timedelta(hours=1), meeting.id),
            ("m:7d", Kind.MEETING, now + timedelta(days=2), meeting.id),
            ("overdue:1", Kind.OVERDUE, now + timedelta(days=1), None),
            ("overdue:2", Kind.OVERDUE, now + timedelta(days=2), None),
            ("m:1d", Kind.MEETING, now + timedelta(days=29), meeting.id),  # not due at the resumption
        ):
            s.add(Reminder(key=key, coalition_id=coalition.id, kind=kind, due_at=due, meeting_id=meeting_id))
        s.add(Reminder(key="elsewhere", coalition_id=other.id, kind=Kind.OVERDUE, due_at=now + timedelta(hours=1)))
        await closing.close(s, coalition, now - timedelta(days=30) + timedelta(hours=1))
        assert await leaving.pause(s, coalition, now)
        assert not await leaving.pause(s, coalition, now)  # already paused
    async with db.transaction() as s:
        later = now + timedelta(days=3)
        claimed = await reminders.claim_due(s, "w", later)
        # the other coalition's reminder and the announced erasure leave; the paused coalition's wait
        assert sorted(r.key for r in claimed) == sorted(
            ["elsewhere", f"erase:{coalition.id}:{int((now + timedelta(hours=1)).timestamp())}"]
        )
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition.id)
        result = await leaving.resume(s, coalition, later)
        assert result == leaving.Resumed(now, 2, 2)
        assert await leaving.resume(s, coalition, later) is None
        states = {
            r.key: (r.state, r.note)
            for r in await s.exec(select(Reminder).where(Reminder.coalition_id == coalition.id))
        }
        assert states["m:14d"] == ("dropped", leaving.HELD_NOTE)
        assert states["overdue:1"] == ("dropped", leaving.HELD_NOTE)
        assert states["m:7d"][0] == states["overdue:2"][0] == states["m:1d"][0] == "pending"
    async with db.transaction() as s:
        assert sorted(r.key for r in await reminders.claim_due(s, "w", later)) == ["m:7d", "overdue:2"]


async def test_stored_administrators_follow_what_telegram_reports(db, clock):
    async with db.transaction() as s:
        lebanon = await _coalition(s, clock)
        lao = await _coalition(s, clock, -200, "Lao PDR")
        await group_admins.record(s, lebanon.id, [1, 2])
        await group_admins.record(s, lao.id, [2])
        await group_admins.record(s, lebanon.id, [2, 3])  # 1 was demoted, 3 promoted
        assert await group_admins.of_coalition(s, lebanon.id) == {2, 3}
        assert [c.country for c in await group_admins.administered_by(s, 2)] == ["Lao PDR", "Lebanon"]
        await group_admins.add(s, lao.id, 4)
        await group_admins.add(s, lao.id, 4)
        await group_admins.drop(s, 2, lebanon.id)
        assert [c.country for c in await group_admins.administered_by(s, 2)] == ["Lao PDR"]
        await group_admins.drop(s, 2)
        assert await group_admins.administered_by(s, 2) == []
        assert await group_admins.of_coalition(s, lao.id) == {4}


async def test_only_the_national_authority_or_an_administrator_closes(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        authority = await _member(s, coalition, clock, 1, "Karim", "operator")
        await members.set_role(s, coalition, authority, "national_authority", None, None, clock.now())
        facilitator = await _member(s, coalition, clock, 2, "Amal", "operator")
        await members.set_role(s, coalition, facilitator, "facilitator", None, None, clock.now())
        closing.require_closer(authority, False)
        closing.require_closer(None, True)
        for member in (facilitator, None):
            with pytest.raises(NotAllowed):
                closing.require_closer(member, False)


async def test_closing_plans_one_erasure_that_cancel_drops_and_a_new_close_replaces(db, clock):
    now = clock.now()
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        with pytest.raises(InvalidInput):
            await closing.cancel(s, coalition, now)
        erase_at, fresh = await closing.close(s, coalition, now)
        assert (erase_at, fresh) == (now + timedelta(days=30), True)
        assert await closing.close(s, coalition, now + timedelta(days=1)) == (erase_at, False)  # the first date stands
        first = (await s.exec(select(Reminder).where(Reminder.kind == Kind.ERASE))).one()
        assert first.due_at == erase_at and closing.is_due(coalition, first, erase_at)
        assert not closing.is_due(coalition, first, erase_at - timedelta(seconds=1))
        await closing.cancel(s, coalition, now)
        await s.refresh(first)
        assert coalition.erase_at is None and first.state == "dropped"
        assert not closing.is_due(coalition, first, erase_at)
        second_at, _ = await closing.close(s, coalition, now + timedelta(days=2))
        assert not closing.is_due(coalition, first, second_at)  # an old row never erases
        second = (await s.exec(select(Reminder).where(Reminder.kind == Kind.ERASE, Reminder.state == "pending"))).one()
        assert closing.is_due(coalition, second, second_at)


async def test_erasure_removes_the_coalition_and_forgets_only_people_with_nothing_else(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        other = await _coalition(s, clock, -200, "Lao PDR")
        await _member(s, coalition, clock, 1, "Nadia", organisation="NPA")
        both = await _member(s, coalition, clock, 2, "John", "donor")
        await members.join(s, other, both.person, "donor", None, clock.now())
        admin = await _member(s, coalition, clock, 3, "Rania", "observer")
        await group_admins.record(s, other.id, [3])  # administers another group
        s.add(DialogState(chat_id=-100, tg_user_id=2, name="meeting", step="when", expires_at=clock.now()))
        await closing.close(s, coalition, clock.now())
        coalition_id = coalition.id
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition_id)
        assert await closing.erase(s, coalition) == 1
    async with db.transaction() as s:
        assert await s.get(Coalition, coalition_id) is None
        for model in (Membership, Reminder, DialogState):
            rows = (await s.exec(select(model))).all()
            assert all(getattr(r, "coalition_id", None) != coalition_id for r in rows)
        assert (await s.exec(select(DialogState))).all() == []
        people = {p.id: p for p in await s.exec(select(Person))}
        assert people[both.person.id].tg_user_id == 2 and people[admin.person.id].tg_user_id == 3
        assert (await s.exec(select(func.count()).select_from(Person).where(Person.tg_user_id == 1))).one() == 0


async def test_forgetting_a_person_erases_every_row_naming_their_private_chat(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock, 1, "Nadia")
        await _member(s, coalition, clock, 2, "John")
        point = ActionPoint(coalition_id=coalition.id, number=1, text="Survey", owner_kind="organisation",
                            owner_name="NPA", created_at=clock.now(), updated_at=clock.now())  # fmt: skip
        s.add(point)
        await s.flush()
        s.add_all(
            [
                ActionMessage(action_id=point.id, chat_id=1, message_id=6),  # Nadia's private chat
                ActionMessage(action_id=point.id, chat_id=-100, message_id=7),  # the group
                OutboxMessage(chat_id=1, parts="[]", state="unreachable", created_at=clock.now()),
                OutboxMessage(chat_id=2, parts="[]", created_at=clock.now()),
                DialogState(chat_id=1, tg_user_id=1, name="report", step="period", expires_at=clock.now()),
                EditNotice(chat_id=-100, message_id=3, tg_user_id=1, noticed_at=clock.now()),
                GroupAdmin(coalition_id=coalition.id, tg_user_id=1),
            ]
        )
        await s.flush()
        await privacy.forget(s, nadia.person)
        assert [m.chat_id for m in await s.exec(select(ActionMessage))] == [-100]
        assert [m.chat_id for m in await s.exec(select(OutboxMessage))] == [2]
        for model in (DialogState, EditNotice, GroupAdmin):
            assert (await s.exec(select(model))).all() == [], model
