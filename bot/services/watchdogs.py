"""The cadence watchdog (SPEC §6): nudge when the next meeting is overdue to be scheduled.

Nudges are planned as `Reminder` rows (one per coalition and day, unique by key), so they
share the dispatcher's guarantees: delivered once, survive restarts.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Meeting, Reminder
from bot.services.reminders import CADENCE_MARGIN, CADENCE_REPEAT


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def nudge_due(coalition: Coalition, last_meeting: datetime | None, last_nudge: datetime | None, now: datetime) -> bool:
    """No meeting ahead is checked by the caller; here: is the last one old enough, and the last nudge a week old?"""
    reference = last_meeting or coalition.created_at
    if now < add_months(reference, coalition.cadence_months) - CADENCE_MARGIN:
        return False
    return last_nudge is None or last_nudge < reference or now - last_nudge >= CADENCE_REPEAT


async def plan_cadence_nudges(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    """Plan today's nudge for one coalition if it is due; True when a row was added."""
    upcoming = (
        await session.exec(
            select(func.count()).where(
                Meeting.coalition_id == coalition.id, Meeting.starts_at > now, Meeting.cancelled.is_(False)
            )
        )
    ).one()
    if upcoming:
        return False
    last_meeting = (
        await session.exec(
            select(func.max(Meeting.starts_at)).where(
                Meeting.coalition_id == coalition.id, Meeting.starts_at <= now, Meeting.cancelled.is_(False)
            )
        )
    ).one()
    last_nudge = (
        await session.exec(
            select(func.max(Reminder.due_at)).where(Reminder.coalition_id == coalition.id, Reminder.kind == "cadence")
        )
    ).one()
    if not nudge_due(coalition, last_meeting, last_nudge, now):
        return False
    key = f"cadence:{coalition.id}:{now.date().isoformat()}"
    try:
        async with session.begin_nested():
            session.add(Reminder(key=key, coalition_id=coalition.id, kind="cadence", due_at=now, label="cadence"))
    except IntegrityError:  # another process planned it first
        return False
    return True

