"""Meeting notes (`/note`) and meeting summaries (`/summary`, SPEC §5).

A note belongs to the meeting under way or last held when it is written. A summary lists
the meeting's attendance by organisation, its notes, and the action points agreed since the
previous meeting ended (up to the next meeting, so a late summary does not swallow the next
meeting's points), and the needs and pledges registered in that same window, with the gap.
Its private fan-out is a `summary` reminder due at once, so the dispatcher's guarantees
apply: every member once, none twice, across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import ActionPoint, Coalition, Meeting, Note, Person, Reminder
from bot.services import actions as action_service
from bot.services import meetings as meeting_service
from bot.services import needs as need_service
from bot.services import reminders
from bot.services.actions import Item
from bot.services.errors import InvalidInput, NotFound
from bot.services.kinds import Kind
from bot.services.meetings import Attendance
from bot.services.needs import Funding

NOTE_GRACE = timedelta(hours=1)
"""A note written shortly before the scheduled start belongs to that meeting (it started early)."""
MAX_NOTE = 1000


async def _meetings(session: AsyncSession, coalition_id: int) -> list[Meeting]:
    rows = await session.exec(
        select(Meeting)
        .where(Meeting.coalition_id == coalition_id, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at)
    )
    return list(rows)


async def add_note(
    session: AsyncSession, coalition: Coalition, author: Person, text: str, now: datetime
) -> tuple[Note, Meeting]:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(N_("Write the decision or note: /note <text>."))
    if len(text) > MAX_NOTE:
        raise InvalidInput(N_("A note may have at most {limit} characters."), limit=MAX_NOTE)
    started = [m for m in await _meetings(session, coalition.id) if m.starts_at <= now + NOTE_GRACE]
    if not started:
        raise InvalidInput(N_("No meeting has taken place yet: notes are recorded during or after a meeting."))
    meeting = started[-1]
    note = Note(coalition_id=coalition.id, meeting_id=meeting.id, author_id=author.id, text=text, created_at=now)
    session.add(note)
    await session.flush()
    return note, meeting


@dataclass(frozen=True)
class Summary:
    meeting: Meeting
    attendance: Attendance
    notes: list[Note]
    actions: list[Item]
    funding: Funding  # resource mobilisation since the previous meeting (SPEC §13)


async def held_meeting(session: AsyncSession, coalition: Coalition, reference: str | None, now: datetime) -> Meeting:
    """The meeting named (`M2`), or the last one held; it must have taken place."""
    if reference:
        meeting = await meeting_service.by_number(session, coalition, reference)
    else:
        meeting = await meeting_service.last_held(session, coalition.id, now)
        if meeting is None:
            raise NotFound(N_("No meeting has taken place yet."))
    if meeting.cancelled:
        raise InvalidInput(N_("Meeting {value} was cancelled."), value=f"M{meeting.number}")
    if meeting.starts_at > now + NOTE_GRACE:
        raise InvalidInput(N_("Meeting {value} has not taken place yet."), value=f"M{meeting.number}")
    return meeting


async def compose(session: AsyncSession, coalition: Coalition, meeting: Meeting, now: datetime) -> Summary:
    meetings = await _meetings(session, coalition.id)
    before = [m for m in meetings if m.starts_at < meeting.starts_at]
    after = [m for m in meetings if m.starts_at > meeting.starts_at]
    query = select(ActionPoint).where(ActionPoint.coalition_id == coalition.id)
    since = min(before[-1].starts_at + meeting_service.LENGTH, meeting.starts_at) if before else None
    if since is not None:
        query = query.where(ActionPoint.created_at >= since)
    until = min(now, after[0].starts_at) if after else now
    actions = list(await session.exec(query.where(ActionPoint.created_at <= until).order_by(ActionPoint.number)))
    notes = list(await session.exec(select(Note).where(Note.meeting_id == meeting.id).order_by(Note.id)))
    return Summary(
        meeting,
        await meeting_service.attendance(session, meeting),
        notes,
        await action_service.items(session, actions, action_service.local_today(coalition, now)),
        await need_service.funding_since(session, coalition, since, until),
    )


async def plan_fan_out(session: AsyncSession, coalition: Coalition, meeting: Meeting, now: datetime, tag: str) -> bool:
    """Plan the private copies: a `summary` reminder due now (`tag` makes a replayed command a no-op)."""
    return await reminders.plan_once(
        session,
        Reminder(
            key=f"summary:{meeting.id}:{tag}",
            coalition_id=coalition.id,
            kind=Kind.SUMMARY,
            subject_id=meeting.id,
            due_at=now,
            label=f"M{meeting.number}",
        ),
    )
