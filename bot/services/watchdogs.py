"""The cadence watchdog (SPEC §6): nudge when the next meeting is overdue to be scheduled.

Nudges are planned as `Reminder` rows (one per coalition and day, unique by key), so they
share the dispatcher's guarantees: delivered once, survive restarts.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Reminder
from bot.services import meetings as meeting_service
from bot.services.kinds import Kind
from bot.services.reminders import plan_once

CADENCE_MARGIN = timedelta(days=45)
"""The watchdog speaks up this long before the cadence says the next meeting is due."""
CADENCE_REPEAT = timedelta(days=7)
"""Then weekly, until a meeting is scheduled."""


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
    if await meeting_service.upcoming(session, coalition, now):
        return False
    last = await meeting_service.last_held(session, coalition.id, now)
    last_nudge = (
        await session.exec(
            select(func.max(Reminder.due_at)).where(
                Reminder.coalition_id == coalition.id, Reminder.kind == Kind.CADENCE
            )
        )
    ).one()
    if not nudge_due(coalition, last.starts_at if last else None, last_nudge, now):
        return False
    key = f"cadence:{coalition.id}:{now.date().isoformat()}"
    nudge = Reminder(key=key, coalition_id=coalition.id, kind=Kind.CADENCE, due_at=now, label=Kind.CADENCE)
    return await plan_once(session, nudge)
