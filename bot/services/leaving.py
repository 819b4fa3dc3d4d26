"""Leaving (SPEC §3): a member leaving the group, and the bot itself leaving it.

A member who leaves or is removed stops being active at once. Their membership keeps its
row with `left_at` (the record that they were a member, and the organisation they had) but
loses its role, pending request and facilitator's reading of concerns; everything that asks
"is this an active member?" (private commands, reminders, the dashboard, pledges, reports)
then says no. What is still waiting to reach them about this coalition goes: deliveries of
reminders not yet handed over, durable messages not yet sent, a dialog under way in the
group. What they did (action points, updates, reports, RSVPs) stays. Rejoining is a fresh
`/join` (`members.join`).

The bot removed from the group pauses the coalition: nothing can be posted there, so the
dispatcher holds its reminders (they stay pending; `reminders.claim_due`) and the watchdogs
plan nothing for it. When the bot is added back, what fell due meanwhile is sent once, not
as a burst: of the held reminders about one thing (a meeting, a deadline, a pledge, the daily
digest) only the latest is kept, the others are dropped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Delivery, DialogState, OutboxMessage, Person, Reminder
from bot.services import group_admins, recipients
from bot.services import members as member_service
from bot.services.members import Member
from bot.services.reminders import NOT_HELD, person_recipient
from bot.services.roles import MANAGER_ROLES

HELD_NOTE = "held while the bot was out of the group; a later one was sent"


async def leave(session: AsyncSession, coalition: Coalition, tg_user_id: int, now: datetime) -> Member | None:
    """End this person's membership of `coalition`; the member whose membership ended, or None
    when there was none to end (never joined, already left: Telegram may report a departure
    twice, as a service message and as a `chat_member` update)."""
    await group_admins.drop(session, tg_user_id, coalition.id)
    person = await member_service.person_by_user(session, tg_user_id)
    record = await member_service.membership(session, coalition, person) if person is not None else None
    if record is None or record.left_at is not None:
        return None
    member_service.end_membership(record, now)
    session.add(record)
    of_coalition = select(Reminder.id).where(Reminder.coalition_id == coalition.id)
    await session.exec(
        delete(Delivery).where(
            Delivery.recipient == person_recipient(person.id),
            Delivery.state == "queued",
            Delivery.reminder_id.in_(of_coalition),
        )
    )
    await session.exec(
        delete(OutboxMessage).where(OutboxMessage.coalition_id == coalition.id, OutboxMessage.chat_id == tg_user_id)
    )
    await session.exec(
        delete(DialogState).where(DialogState.chat_id == coalition.chat_id, DialogState.tg_user_id == tg_user_id)
    )
    return Member(record, person)


async def pause(session: AsyncSession, coalition: Coalition, now: datetime) -> bool:
    """The bot is out of the group; False when it already was (nothing to tell anyone)."""
    if coalition.paused_at is not None:
        return False
    coalition.paused_at = now
    session.add(coalition)
    return True


@dataclass(frozen=True)
class Resumed:
    """What a resumed coalition's managers are told."""

    since: datetime
    sent: int  # held reminders that now leave
    dropped: int  # held reminders superseded by a later one about the same thing


async def resume(session: AsyncSession, coalition: Coalition, now: datetime) -> Resumed | None:
    """The bot is back in the group; None when the coalition was not paused."""
    since = coalition.paused_at
    if since is None:
        return None
    coalition.paused_at = None
    session.add(coalition)
    held = list(
        await session.exec(
            select(Reminder)
            .where(
                Reminder.coalition_id == coalition.id,
                Reminder.state == "pending",
                Reminder.due_at <= now,
                Reminder.kind.not_in(NOT_HELD),
            )
            .order_by(Reminder.due_at, Reminder.id)
        )
    )
    latest: dict[tuple[str, int | None, int | None], Reminder] = {}
    for reminder in held:  # in due order: the last one seen about each thing is its latest
        latest[(reminder.kind, reminder.meeting_id, reminder.subject_id)] = reminder
    kept = {reminder.id for reminder in latest.values()}
    superseded = [reminder.id for reminder in held if reminder.id not in kept]
    if superseded:
        await session.exec(
            update(Reminder)
            .where(Reminder.id.in_(superseded), Reminder.state == "pending")
            .values(state="dropped", finished_at=now, note=HELD_NOTE)
        )
    return Resumed(since, len(kept), len(superseded))


async def managers_to_tell(session: AsyncSession, coalition: Coalition) -> list[Person]:
    """Who hears privately about the coalition's state: members with a manager's role and the
    group's administrators as last stored (those the bot knows), each once."""
    people = {m.person.id: m.person for m in await recipients.active_members(session, coalition.id, MANAGER_ROLES)}
    admins = await group_admins.of_coalition(session, coalition.id)
    if admins:
        rows = await session.exec(select(Person).where(Person.tg_user_id.in_(sorted(admins))))
        people.update({person.id: person for person in rows})
    return [people[key] for key in sorted(people)]
