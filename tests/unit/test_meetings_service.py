from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.models import Reminder
from bot.services import coalitions, meetings, members
from bot.services.calendar import meeting_ics
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.meetings import MeetingRequest
from bot.services.members import Member, PersonInfo


async def _setup(s, clock, tz="Asia/Beirut"):
    coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", tz), clock.now())
    return coalition


async def _reminders(s, meeting):
    rows = await s.exec(select(Reminder).where(Reminder.meeting_id == meeting.id).order_by(Reminder.due_at))
    return [(r.kind, r.label, r.state, r.due_at) for r in rows]


def test_request_parses_local_time_title_and_place():
    request = MeetingRequest.parse("2027-04-15 09:30 Spring coalition meeting @ LMAC, Beirut", "Asia/Beirut")
    assert request.starts_at == datetime(2027, 4, 15, 6, 30, tzinfo=UTC)
    assert (request.title, request.location) == ("Spring coalition meeting", "LMAC, Beirut")


@pytest.mark.parametrize("text", ["2027-02-30 09:30", "2027-04-15 25:00", "tomorrow", "15/04/2027 09:30", ""])
def test_request_refuses_impossible_or_malformed_times(text):
    with pytest.raises(InvalidInput):
        MeetingRequest.parse(text, "UTC")


@pytest.mark.parametrize(("value", "number"), [("M2", 2), ("m12", 12), ("3", 3)])
def test_references(value, number):
    assert meetings.parse_reference(value) == number


async def test_schedule_numbers_meetings_and_plans_future_reminders_only(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        # 10 days ahead: the 14d offset is already past, 7d and 1d are planned
        starts = clock.now() + timedelta(days=10)
        first = await meetings.schedule(s, coalition, MeetingRequest(starts, "A", ""), clock.now())
        second = await meetings.schedule(s, coalition, MeetingRequest(starts, "B", ""), clock.now())
        assert (first.number, second.number) == (1, 2)
        assert await _reminders(s, first) == [
            ("meeting", "7d", "pending", starts - timedelta(days=7)),
            ("meeting", "1d", "pending", starts - timedelta(days=1)),
            ("post_meeting", "", "pending", starts + timedelta(days=1, hours=2)),
        ]


async def test_past_meetings_are_refused(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        with pytest.raises(InvalidInput):
            await meetings.schedule(s, coalition, MeetingRequest(clock.now(), "", ""), clock.now())


async def test_reschedule_drops_pending_reminders_and_plans_new_ones(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        starts = clock.now() + timedelta(days=30)
        meeting = await meetings.schedule(s, coalition, MeetingRequest(starts, "A", ""), clock.now())
        await meetings.reschedule(s, coalition, meeting, starts + timedelta(days=5), clock.now())
        rows = await _reminders(s, meeting)
        assert [r[2] for r in rows].count("dropped") == 4
        pending = [r for r in rows if r[2] == "pending"]
        assert [r[3] for r in pending] == [
            starts + timedelta(days=5 - 14),
            starts + timedelta(days=5 - 7),
            starts + timedelta(days=4),
            starts + timedelta(days=6, hours=2),
        ]


async def test_cancel_drops_everything_and_refuses_a_second_time(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        meeting = await meetings.schedule(
            s, coalition, MeetingRequest(clock.now() + timedelta(days=30), "", ""), clock.now()
        )
        await meetings.cancel(s, meeting, clock.now())
        assert {r[2] for r in await _reminders(s, meeting)} == {"dropped"}
        with pytest.raises(InvalidInput):
            await meetings.cancel(s, meeting, clock.now())


async def test_reminder_offsets_change_replans_upcoming_meetings(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        meeting = await meetings.schedule(
            s, coalition, MeetingRequest(clock.now() + timedelta(days=30), "", ""), clock.now()
        )
        await coalitions.change_setting(s, coalition, "reminders", "2d,30m", clock.now())
        pending = [r[1] for r in await _reminders(s, meeting) if r[2] == "pending" and r[0] == "meeting"]
        assert pending == ["2d", "30m"]


async def test_rsvp_changes_and_counts_and_refuses_non_members(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        meeting = await meetings.schedule(
            s, coalition, MeetingRequest(clock.now() + timedelta(days=30), "", ""), clock.now()
        )
        person = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia", "fr"))
        record, _ = await members.join(s, coalition, person, "operator", "NPA", clock.now())
        member = Member(record, person)
        assert await meetings.answer(s, meeting, member, "yes", clock.now())
        assert not await meetings.answer(s, meeting, member, "yes", clock.now())
        assert await meetings.answer(s, meeting, member, "online", clock.now())
        assert (await meetings.counts(s, meeting)) == {"online": 1}
        with pytest.raises(NotAllowed):
            await meetings.answer(s, meeting, None, "yes", clock.now())
        stranger = await members.upsert_person(s, PersonInfo(2, "X"))
        attendance = await meetings.attendance(s, meeting)
        assert [(m.person.full_name, c) for m, c in attendance.answered] == [("Nadia", "online")]
        assert stranger.id not in [m.person.id for m in attendance.silent]
        await meetings.cancel(s, meeting, clock.now())
        with pytest.raises(InvalidInput):
            await meetings.answer(s, meeting, member, "no", clock.now())


async def test_meeting_lookup_by_number_is_per_coalition(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        other, _ = await coalitions.setup(s, -200, "H", SetupRequest("Laos"), clock.now())
        await meetings.schedule(s, other, MeetingRequest(clock.now() + timedelta(days=3), "", ""), clock.now())
        with pytest.raises(NotFound):
            await meetings.by_number(s, coalition, "M1")


async def test_ics_has_the_timezone_and_round_trips(db, clock):
    async with db.transaction() as s:
        coalition = await _setup(s, clock)
        request = MeetingRequest.parse("2027-04-15 09:30 Spring @ LMAC", "Asia/Beirut")
        meeting = await meetings.schedule(s, coalition, request, clock.now())
    data = meeting_ics(coalition, meeting, "M1 · Spring — Lebanon")
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Asia/Beirut" in data
    assert b"DTSTART;TZID=Asia/Beirut:20270415T093000" in data
    event = next(c for c in Calendar.from_ical(data).walk("VEVENT"))
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 15, 6, 30, tzinfo=UTC)
    assert str(event["location"]) == "LMAC"
