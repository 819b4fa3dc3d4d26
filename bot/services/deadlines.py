"""Treaty deadlines and their alerts (SPEC §6, §9).

`/deadline article4 2028-08-01` stores the date and, in the same transaction, plans one
`Reminder` row (kind `deadline`) per alert still ahead: 24, 12, 6 and 3 months before, at
09:00 coalition time. `/deadline msp 2027-11-20` stores the date of the Meeting of States
Parties that would decide an Article 4 extension (SPEC §14): the request is due nine months
before it, and its reminders (kind `extension_due`) are planned 90, 30 and 7 days before that.
The dispatcher then delivers them with the reminder engine's guarantees. A changed date drops
the pending alerts and plans new ones under the next revision, so their keys never collide
with the old ones.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Person, Reminder, TreatyDeadline
from bot.services.errors import InvalidInput
from bot.services.kinds import Kind
from bot.services.parsing import western_digits
from bot.services.reports import local_today
from bot.services.watchdogs import add_months

ARTICLES: tuple[str, ...] = ("article3", "article4", "msp")
CLEARANCE = "article4"
MSP = "msp"
ALERT_MONTHS: tuple[int, ...] = (24, 12, 6, 3)
ALERT_TIME = time(9, 0)
KINDS = (Kind.DEADLINE, Kind.EXTENSION_DUE)
SUBMISSION_MONTHS = 9
EXTENSION_DAYS: tuple[int, ...] = (90, 30, 7)
_ALIASES = {"3": "article3", "4": "article4", "art3": "article3", "art4": "article4"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_article(value: str) -> str:
    key = "".join(value.lower().split())
    key = _ALIASES.get(key, key)
    if key not in ARTICLES:
        raise InvalidInput(
            N_(
                "Unknown article “{value}”: use article3 (stockpile destruction), article4 (clearance) "
                "or msp (the Meeting of States Parties that would decide an extension)."
            ),
            value=value,
        )
    return key


def parse_day(value: str) -> date:
    try:
        typed = western_digits(value).strip()
        if not _DAY.match(typed):
            raise ValueError(value)
        return date.fromisoformat(typed)
    except ValueError as exc:
        raise InvalidInput(N_("“{value}” is not a date: use YYYY-MM-DD, e.g. 2028-08-01."), value=value) from exc


def deadline_moment(coalition: Coalition, day: date) -> datetime:
    """The deadline as an instant: the start of its day in the coalition's timezone."""
    return datetime.combine(day, time(0, 0), ZoneInfo(coalition.timezone)).astimezone(UTC)


def alert_due(coalition: Coalition, day: date, months: int) -> datetime:
    local = datetime.combine(day, ALERT_TIME, ZoneInfo(coalition.timezone))
    return add_months(local, -months).astimezone(UTC)


def alert_key(deadline: TreatyDeadline, months: int) -> str:
    return f"deadline:{deadline.id}:r{deadline.revision}:{months}m"


def submission_due(msp: date) -> date:
    """An extension request is submitted nine months before the Meeting that decides it."""
    return add_months(datetime.combine(msp, time()), -SUBMISSION_MONTHS).date()


def extension_alerts(coalition: Coalition, msp: TreatyDeadline, now: datetime) -> list[Reminder]:
    """The reminders 90, 30 and 7 days before the submission date that are still ahead."""
    zone = ZoneInfo(coalition.timezone)
    return [
        Reminder(
            key=f"{Kind.EXTENSION_DUE}:{msp.id}:r{msp.revision}:{days}d",
            coalition_id=coalition.id,
            kind=Kind.EXTENSION_DUE,
            subject_id=msp.id,
            label=f"{days}d",
            due_at=due,
        )
        for days in EXTENSION_DAYS
        if (due := _at_nine(submission_due(msp.due_on) - timedelta(days=days), zone)) > now
    ]


def _at_nine(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, ALERT_TIME, zone).astimezone(UTC)


def deadline_alerts(coalition: Coalition, deadline: TreatyDeadline, now: datetime) -> list[Reminder]:
    """The alerts 24, 12, 6 and 3 months before an Article 3 or 4 deadline still ahead."""
    return [
        Reminder(
            key=alert_key(deadline, months),
            coalition_id=coalition.id,
            kind=Kind.DEADLINE,
            subject_id=deadline.id,
            label=f"{months}m",
            due_at=due,
        )
        for months in ALERT_MONTHS
        if (due := alert_due(coalition, deadline.due_on, months)) > now
    ]


async def plan(session: AsyncSession, coalition: Coalition, deadline: TreatyDeadline, now: datetime) -> list[Reminder]:
    """Plan the alerts still ahead of `now`; returns them (earliest first)."""
    alerts = extension_alerts if deadline.article == MSP else deadline_alerts
    planned = alerts(coalition, deadline, now)
    session.add_all(planned)
    await session.flush()
    return planned


async def drop_pending(session: AsyncSession, deadline: TreatyDeadline, now: datetime) -> None:
    await session.exec(
        update(Reminder)
        .where(Reminder.kind.in_(KINDS), Reminder.subject_id == deadline.id, Reminder.state == "pending")
        .values(state="dropped", finished_at=now, note="deadline changed")
    )


async def by_article(session: AsyncSession, coalition: Coalition, article: str) -> TreatyDeadline | None:
    return (
        await session.exec(
            select(TreatyDeadline).where(TreatyDeadline.coalition_id == coalition.id, TreatyDeadline.article == article)
        )
    ).first()


async def set_deadline(
    session: AsyncSession, coalition: Coalition, article: str, day: date, person: Person | None, now: datetime
) -> tuple[TreatyDeadline, list[Reminder]]:
    """Set or move a deadline; returns it with its pending alerts (re-planned if it moved)."""
    if day <= local_today(coalition.timezone, now):
        raise InvalidInput(N_("The deadline {value} is not in the future."), value=day.isoformat())
    deadline = await by_article(session, coalition, article)
    if deadline is not None and deadline.due_on == day:
        return deadline, await pending_alerts(session, deadline)
    if deadline is None:
        deadline = TreatyDeadline(coalition_id=coalition.id, article=article, due_on=day, set_at=now)
    else:
        await drop_pending(session, deadline, now)
        deadline.due_on, deadline.revision = day, deadline.revision + 1
    deadline.set_by, deadline.set_at = (person.id if person else None), now
    session.add(deadline)
    await session.flush()
    return deadline, await plan(session, coalition, deadline, now)


async def pending_alerts(session: AsyncSession, deadline: TreatyDeadline) -> list[Reminder]:
    rows = await session.exec(
        select(Reminder)
        .where(Reminder.kind.in_(KINDS), Reminder.subject_id == deadline.id, Reminder.state == "pending")
        .order_by(Reminder.due_at)
    )
    return list(rows)


async def deadlines_of(session: AsyncSession, coalition: Coalition) -> list[TreatyDeadline]:
    rows = await session.exec(
        select(TreatyDeadline).where(TreatyDeadline.coalition_id == coalition.id).order_by(TreatyDeadline.article)
    )
    return list(rows)
