"""Meetings and RSVPs (SPEC §4). Scheduling writes the meeting's reminders in the same transaction."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, update
from sqlalchemy.sql.dml import Insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Meeting, Membership, Person, Reminder, Rsvp
from bot.services import numbering, parsing, reminders, upserts
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.parsing import western_digits

ANSWERS = ("yes", "online", "no")
MAX_TITLE = 200
LENGTH = timedelta(hours=4)
"""Calendar length of a meeting (the spec gives none; a coalition meeting is a half day)."""
_REFERENCE = re.compile(r"^[mM]?(\d{1,6})$")
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})(?:\s+(.*))?$", re.S)


@dataclass(frozen=True)
class MeetingRequest:
    """`YYYY-MM-DD HH:MM [title] [@ location]`, with the time in the coalition's timezone."""

    starts_at: datetime
    title: str
    location: str

    @classmethod
    def parse(cls, text: str, timezone: str) -> MeetingRequest:
        match = _WHEN.match(text.strip())
        if not match:
            raise InvalidInput(
                N_("“{value}” is not a date and time: use YYYY-MM-DD HH:MM, e.g. 2027-04-15 09:30."), value=text[:40]
            )
        starts_at = parse_local(match[1], match[2], timezone)
        title, _, location = (match[3] or "").partition("@")
        title, location = " ".join(title.split()), " ".join(location.split())
        if len(title) > MAX_TITLE or len(location) > MAX_TITLE:
            raise InvalidInput(N_("The title and the place may each have at most {limit} characters."), limit=MAX_TITLE)
        return cls(starts_at, title, location)


def parse_local(day: str, time: str, timezone: str) -> datetime:
    """A wall-clock date and time in `timezone`, as an aware datetime; refuses impossible dates."""
    try:
        naive = datetime.strptime(western_digits(f"{day} {time}"), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise InvalidInput(N_("“{value}” is not a valid date and time."), value=f"{day} {time}") from exc
    return naive.replace(tzinfo=ZoneInfo(timezone))


def parse_reference(value: str) -> int:
    match = _REFERENCE.match(western_digits(value).strip())
    if not match:
        raise InvalidInput(N_("“{value}” is not a meeting number; use M2 or 2."), value=value)
    return int(match[1])


async def by_number(session: AsyncSession, coalition: Coalition, reference: str) -> Meeting:
    number = parse_reference(reference)
    meeting = await numbering.by_number(session, Meeting, coalition.id, number)
    if meeting is None:
        raise NotFound(N_("There is no meeting {value} in this coalition."), value=f"M{number}")
    return meeting


def require_future(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise InvalidInput(N_("The meeting time must be in the future."))


POST_MEETING_DELAY = timedelta(days=1, hours=2)
"""The post-meeting prompt (record notes, send /summary) comes this long after the start."""


def reminder_key(meeting: Meeting, label: str) -> str:
    """One key per reminder of a meeting's revision: a reschedule plans under new keys."""
    return f"meeting:{meeting.id}:r{meeting.revision}:{label}"


async def plan_reminders(session: AsyncSession, coalition: Coalition, meeting: Meeting, now: datetime) -> None:
    """Write the meeting's reminders (offsets still in the future) and its post-meeting prompt."""
    for delta in parsing.parse_offsets(coalition.reminder_offsets):
        due = meeting.starts_at - delta
        if due > now:
            label = parsing.format_offset(delta)
            session.add(reminders.row(reminder_key(meeting, label), coalition, Kind.MEETING, due, meeting, label))
    post = meeting.starts_at + POST_MEETING_DELAY
    session.add(reminders.row(reminder_key(meeting, "post"), coalition, Kind.POST_MEETING, post, meeting))
    await session.flush()


async def drop_reminders(session: AsyncSession, meeting: Meeting, now: datetime, why: str) -> None:
    """Drop the pending reminders of a meeting (cancelled, rescheduled, offsets changed)."""
    await session.exec(
        update(Reminder)
        .where(Reminder.meeting_id == meeting.id, Reminder.state == "pending")
        .values(state="dropped", finished_at=now, note=why)
    )


async def replan(session: AsyncSession, coalition: Coalition, now: datetime) -> None:
    """After `/settings reminders`: upcoming meetings get reminders at the new offsets."""
    for meeting in await upcoming(session, coalition, now):
        await drop_reminders(session, meeting, now, "offsets changed")
        meeting.revision += 1
        session.add(meeting)
        await session.flush()
        await plan_reminders(session, coalition, meeting, now)


async def schedule(session: AsyncSession, coalition: Coalition, request: MeetingRequest, now: datetime) -> Meeting:
    require_future(request.starts_at, now)
    meeting = Meeting(
        coalition_id=coalition.id,
        number=await numbering.next_number(session, Meeting, coalition.id),
        starts_at=request.starts_at,
        title=request.title,
        location=request.location,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    await plan_reminders(session, coalition, meeting, now)
    return meeting


def _require_open(meeting: Meeting, now: datetime) -> None:
    if meeting.cancelled:
        raise InvalidInput(N_("Meeting {value} was cancelled."), value=f"M{meeting.number}")
    if meeting.starts_at <= now:
        raise InvalidInput(N_("Meeting {value} has already taken place."), value=f"M{meeting.number}")


async def reschedule(
    session: AsyncSession, coalition: Coalition, meeting: Meeting, starts_at: datetime, now: datetime
) -> None:
    _require_open(meeting, now)
    require_future(starts_at, now)
    await drop_reminders(session, meeting, now, N_("rescheduled"))
    meeting.starts_at = starts_at
    meeting.revision += 1
    session.add(meeting)
    await plan_reminders(session, coalition, meeting, now)


async def cancel(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    _require_open(meeting, now)
    meeting.cancelled = True
    session.add(meeting)
    await drop_reminders(session, meeting, now, N_("cancelled"))


def _answer_upsert(insert: Callable[..., Insert]) -> Insert:
    new = insert(Rsvp.__table__).values(
        meeting_id=bindparam("meeting_id"),
        person_id=bindparam("person_id"),
        answer=bindparam("answer"),
        answered_at=bindparam("at"),
    )
    return new.on_conflict_do_update(
        index_elements=["meeting_id", "person_id"],
        set_={"answer": new.excluded.answer, "answered_at": new.excluded.answered_at},
        where=Rsvp.__table__.c.answer != new.excluded.answer,  # the same answer again writes nothing
    )


_ANSWER = upserts.build(_answer_upsert)


async def answer(session: AsyncSession, meeting: Meeting, member: Member | None, choice: str, now: datetime) -> bool:
    """Record or change an RSVP. Returns False when it was already that answer.

    One upsert: a press on an announcement is the most frequent update of all."""
    if member is None or not member.is_active:
        raise NotAllowed(N_("Please /join the coalition first."))
    if choice not in ANSWERS:
        raise InvalidInput(N_("Unknown answer."))
    _require_open(meeting, now)
    written = await upserts.run(
        session, _ANSWER, meeting_id=meeting.id, person_id=member.person.id, answer=choice, at=now
    )
    return written == 1


async def counts(session: AsyncSession, meeting: Meeting) -> Counter[str]:
    rows = await session.exec(
        select(Rsvp.answer, func.count()).where(Rsvp.meeting_id == meeting.id).group_by(Rsvp.answer)
    )
    return Counter(dict(rows.all()))


@dataclass(frozen=True)
class Attendance:
    """Who answered what, and who has not, for `/rsvps` and reminders."""

    answered: list[tuple[Member, str]]
    silent: list[Member]


async def attendance(session: AsyncSession, meeting: Meeting) -> Attendance:
    rows = await session.exec(
        select(Membership, Person, Rsvp.answer)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Rsvp, (Rsvp.person_id == Person.id) & (Rsvp.meeting_id == meeting.id))
        .where(Membership.coalition_id == meeting.coalition_id, Membership.role.is_not(None))
        .order_by(Membership.organisation, Person.full_name)
    )
    answered: list[tuple[Member, str]] = []
    silent: list[Member] = []
    for membership, person, choice in rows:
        member = Member(membership, person)
        if choice is None:
            silent.append(member)
        else:
            answered.append((member, choice))
    return Attendance(answered, silent)


async def upcoming(session: AsyncSession, coalition: Coalition, now: datetime) -> list[Meeting]:
    rows = await session.exec(
        select(Meeting)
        .where(Meeting.coalition_id == coalition.id, Meeting.starts_at > now, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at)
    )
    return list(rows)


async def last_held(session: AsyncSession, coalition_id: int, now: datetime) -> Meeting | None:
    return (
        await session.exec(
            select(Meeting)
            .where(Meeting.coalition_id == coalition_id, Meeting.starts_at <= now, Meeting.cancelled.is_(False))
            .order_by(Meeting.starts_at.desc())
        )
    ).first()
