"""Messages Telegram refused for good, told to the managers (SPEC §11: "recorded and managers see it").

A scheduled message (a `Delivery`) or a durable one (an `OutboxMessage`) that ends in 403
(the member blocked the bot) or 400 (Telegram refuses it as it is) stays recorded with that
state. Recording it plans the coalition's notice (`Kind.UNDELIVERED`): one private message to
the managers, at most one a day, sent `DELAY` after the first failure so that everything one
fan-out could not deliver arrives in one notice. A failure after the day's notice has left
waits for the next day's, at `NEXT_DAY_AT`.

The notice claims the failures it names (`reported_in`), so it names each once, and the same
ones again if it is resumed after a crash. Not named: the notice's own failures (no notice
about a notice) and anonymous concerns' deliveries, which are deleted once tried (SPEC §8);
a facilitator who blocked the bot is marked unreachable and shown in `/members` like anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Delivery, OutboxMessage, Reminder
from bot.services import recipients, reminders
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.reports import local_today

FAILED = ("failed", "unreachable")
"""The permanent outcomes (400, 403)."""
DELAY = timedelta(minutes=10)
NEXT_DAY_AT = time(9, 0)


def _key(coalition: Coalition, day: object) -> str:
    return f"{Kind.UNDELIVERED}:{coalition.id}:{day}"


async def plan_notice(session: AsyncSession, coalition: Coalition, now: datetime) -> None:
    """A failure was recorded in `coalition`: make sure a notice will name it."""
    today = local_today(coalition.timezone, now)
    if await reminders.plan_once(
        session, reminders.row(_key(coalition, today), coalition, Kind.UNDELIVERED, now + DELAY)
    ):
        return
    todays = (await session.exec(select(Reminder.state).where(Reminder.key == _key(coalition, today)))).first()
    if todays == "pending":
        return  # it has not looked yet: it will name this one too
    tomorrow = today + timedelta(days=1)
    due = datetime.combine(tomorrow, NEXT_DAY_AT, ZoneInfo(coalition.timezone))
    await reminders.plan_once(session, reminders.row(_key(coalition, tomorrow), coalition, Kind.UNDELIVERED, due))


@dataclass(frozen=True)
class Failures:
    """What one notice names: members who blocked the bot, members and group posts Telegram refused."""

    blocked: dict[int, tuple[Member, int]]  # person id → (member, messages they missed)
    refused: dict[int, tuple[Member, int]]
    group_refused: int

    def __bool__(self) -> bool:
        return bool(self.blocked or self.refused or self.group_refused)


async def claim(session: AsyncSession, coalition: Coalition, notice: Reminder) -> Failures:
    """The failures not yet named by an earlier notice, now claimed by `notice` (and those it
    had claimed already, when it is resumed)."""
    scheduled = select(Reminder.id).where(
        Reminder.coalition_id == coalition.id, Reminder.kind.not_in((Kind.UNDELIVERED, *reminders.TIMELESS))
    )
    await session.exec(
        update(Delivery)
        .where(Delivery.reminder_id.in_(scheduled), Delivery.state.in_(FAILED), Delivery.reported_in.is_(None))
        .values(reported_in=notice.id)
    )
    await session.exec(
        update(OutboxMessage)
        .where(
            OutboxMessage.coalition_id == coalition.id,
            OutboxMessage.state.in_(FAILED),
            OutboxMessage.reported_in.is_(None),
        )
        .values(reported_in=notice.id)
    )
    members = await recipients.active_members(session, coalition.id)
    by_person = {m.person.id: m for m in members}
    by_chat = {m.person.tg_user_id: m for m in members}
    blocked: dict[int, tuple[Member, int]] = {}
    refused: dict[int, tuple[Member, int]] = {}
    group = 0

    def count(member: Member | None, state: str) -> None:
        if member is None:
            return  # no longer a member: nothing to tell the managers
        table = blocked if state == "unreachable" else refused
        table[member.person.id] = (member, table.get(member.person.id, (member, 0))[1] + 1)

    deliveries = await session.exec(select(Delivery).where(Delivery.reported_in == notice.id))
    for delivery in deliveries:
        if delivery.recipient == reminders.GROUP:
            group += 1
        else:
            count(by_person.get(int(delivery.recipient.removeprefix("person:"))), delivery.state)
    messages = await session.exec(select(OutboxMessage).where(OutboxMessage.reported_in == notice.id))
    for message in messages:
        if message.chat_id == coalition.chat_id:
            group += 1
        else:
            count(by_chat.get(message.chat_id), message.state)
    return Failures(blocked, refused, group)
