"""Planners of the action-point reminders (SPEC §6): the mid-term update and the overdue digest.

They run with the other watchdogs and only write `Reminder` rows with unique keys; the
dispatcher sends them, so nothing is lost over a restart and nothing is sent twice. Who
receives what is decided by the composers at send time (`jobs/actions.py`).

* Mid-term update: the midpoint lies halfway between the last meeting held and the next one
  scheduled (or the last + cadence/2 when none is). Owners are asked for their status a week
  before (`midterm_ask`), the national authority gets the draft at the midpoint
  (`midterm_draft`). Both rows are keyed by the last meeting; if the next meeting is
  scheduled or moved, pending rows follow the new midpoint.
* Overdue digest: daily at 09:00 coalition time (`overdue`, keyed by the local date),
  planned the day before as soon as something will be overdue by then; if the bot was down
  at 09:00 (or the first overdue point appeared after it) it still leaves within a few hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ActionPoint, Coalition, Meeting, Reminder
from bot.services import meetings as meeting_service
from bot.services.actions import local_today
from bot.services.kinds import Kind
from bot.services.reminders import plan_once
from bot.services.watchdogs import add_months

ASK_BEFORE = timedelta(days=7)
DIGEST_AT = time(9, 0)
DIGEST_CATCH_UP = timedelta(hours=3)


@dataclass(frozen=True)
class Cycle:
    """The mid-term cycle between the last meeting held and the next."""

    last: Meeting
    ask_at: datetime
    midpoint: datetime
    end: datetime  # the next meeting, or last + cadence


def midterm_draft_key(last_id: int) -> str:
    """The draft of the cycle opened by meeting `last_id` (its midpoint, for the ask)."""
    return f"midterm:draft:{last_id}"


async def cycle(session: AsyncSession, coalition: Coalition, now: datetime) -> Cycle | None:
    last = await meeting_service.last_held(session, coalition.id, now)
    if last is None:
        return None
    upcoming = await meeting_service.upcoming(session, coalition, now)
    end = upcoming[0].starts_at if upcoming else add_months(last.starts_at, coalition.cadence_months)
    midpoint = last.starts_at + (end - last.starts_at) / 2
    ask_at = max(midpoint - ASK_BEFORE, last.starts_at + meeting_service.LENGTH)
    return Cycle(last, ask_at, midpoint, end)


async def _plan(
    session: AsyncSession, coalition: Coalition, kind: str, key: str, due: datetime, subject_id: int
) -> bool:
    """Insert the row, or move it while it is still pending; True when a row was added."""
    existing = (await session.exec(select(Reminder).where(Reminder.key == key))).first()
    if existing is not None:
        if existing.state == "pending" and existing.due_at != due:
            existing.due_at = due
            session.add(existing)
        return False
    return await plan_once(
        session, Reminder(key=key, coalition_id=coalition.id, kind=kind, subject_id=subject_id, due_at=due, label=kind)
    )


async def plan_midterm(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    current = await cycle(session, coalition, now)
    if current is None or now >= current.end:
        return False
    planned = False
    if now < current.midpoint:  # asking after the midpoint is pointless: the draft is due
        planned |= await _plan(
            session, coalition, Kind.MIDTERM_ASK, f"midterm:ask:{current.last.id}", current.ask_at, current.last.id
        )
    planned |= await _plan(
        session, coalition, Kind.MIDTERM_DRAFT, midterm_draft_key(current.last.id), current.midpoint, current.last.id
    )
    return planned


async def plan_circulation(session: AsyncSession, draft: Reminder, now: datetime) -> bool:
    """The national authority pressed "circulate": a group post, at most once per cycle."""
    return await plan_once(
        session,
        Reminder(
            key=f"midterm:post:{draft.subject_id}",
            coalition_id=draft.coalition_id,
            kind=Kind.MIDTERM_POST,
            subject_id=draft.subject_id,
            due_at=now,
            label=Kind.MIDTERM_POST,
        ),
    )


async def plan_overdue_digest(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    """Plan today's 09:00 digest (catching up a few hours late) and tomorrow's, when due."""
    zone = ZoneInfo(coalition.timezone)
    today = local_today(coalition, now)
    planned = False
    for day in (today, today + timedelta(days=1)):
        due = datetime.combine(day, DIGEST_AT, zone)
        if due < now - DIGEST_CATCH_UP or (day != today and now < datetime.combine(today, DIGEST_AT, zone)):
            continue  # too late for today's; tomorrow's is planned once today's time has passed
        overdue_by_then = (
            await session.exec(
                select(ActionPoint.id).where(
                    ActionPoint.coalition_id == coalition.id,
                    ActionPoint.status != "done",
                    ActionPoint.due_on < day,
                )
            )
        ).first()
        if overdue_by_then is not None:
            planned |= await _plan(
                session, coalition, Kind.OVERDUE, f"overdue:{coalition.id}:{day.isoformat()}", due, coalition.id
            )
    return planned
