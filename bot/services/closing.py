"""`/closecoalition` (SPEC §3): export, then erase a coalition's data 30 days later.

The national authority or a Telegram administrator of the group asks, and confirms
privately; from then on the coalition works as before for 30 days, long enough for anyone
to object and for the group to be told, and `/closecoalition cancel` keeps everything. The
erasure is a scheduled `Reminder` row (`Kind.ERASE`), so it survives restarts and happens
even while the bot is out of the group.

Erasing deletes the coalition's row and, through the database's cascades, every row that
belongs to it (members, meetings, RSVPs, reminders and deliveries, action points and their
messages, notes, proposals, polls, concerns, reports, deadlines, needs and pledges, messages
still to send, stored administrators), plus the rows keyed by its group's chat id (dialogs,
edit notices). People who belonged to no other coalition and administer no other group are
then forgotten as `/forgetme` forgets (`privacy.forget`): their names and Telegram ids had
no other purpose.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, DialogState, EditNotice, GroupAdmin, Membership, Person, Reminder
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.privacy import forget
from bot.services.reminders import plan_once
from bot.services.roles import AUTHORITY

ERASE_AFTER = timedelta(days=30)


def may_close(member: Member | None, admin: bool) -> bool:
    """Only the national authority or a Telegram administrator of the group may close it."""
    return admin or (member is not None and member.membership.role in AUTHORITY)


def require_closer(member: Member | None, admin: bool) -> None:
    if not may_close(member, admin):
        raise NotAllowed(N_("Only the national authority or a group administrator may close the coalition."))


def erase_key(coalition: Coalition, erase_at: datetime) -> str:
    return f"erase:{coalition.id}:{int(erase_at.timestamp())}"


async def close(session: AsyncSession, coalition: Coalition, now: datetime) -> tuple[datetime, bool]:
    """Schedule the erasure; returns when it happens and whether it was scheduled now. Closing a
    coalition that is already closing changes nothing: the first date stands."""
    if coalition.erase_at is not None:
        return coalition.erase_at, False
    erase_at = now + ERASE_AFTER
    coalition.erase_at = erase_at
    session.add(coalition)
    erasure = Reminder(key=erase_key(coalition, erase_at), coalition_id=coalition.id, kind=Kind.ERASE, due_at=erase_at)
    await plan_once(session, erasure)
    return erase_at, True


async def cancel(session: AsyncSession, coalition: Coalition, now: datetime) -> None:
    if coalition.erase_at is None:
        raise InvalidInput(N_("This coalition is not closing: there is nothing to cancel."))
    coalition.erase_at = None
    session.add(coalition)
    await session.exec(
        update(Reminder)
        .where(Reminder.coalition_id == coalition.id, Reminder.kind == Kind.ERASE, Reminder.state == "pending")
        .values(state="dropped", finished_at=now, note="cancelled with /closecoalition cancel")
    )


def is_due(coalition: Coalition, reminder: Reminder, now: datetime) -> bool:
    """The erasure this row stands for is still wanted: not cancelled, not replaced by a later close."""
    return (
        coalition.erase_at is not None
        and coalition.erase_at <= now
        and reminder.key == erase_key(coalition, coalition.erase_at)
    )


async def erase(session: AsyncSession, coalition: Coalition) -> int:
    """Delete the coalition and everything that belongs to it; returns how many people were forgotten."""
    people = list(
        await session.exec(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.coalition_id == coalition.id)
        )
    )
    await session.exec(delete(DialogState).where(DialogState.chat_id == coalition.chat_id))
    await session.exec(delete(EditNotice).where(EditNotice.chat_id == coalition.chat_id))
    await session.exec(delete(Coalition).where(Coalition.id == coalition.id))
    forgotten = 0
    for person in people:
        elsewhere = await session.exec(select(Membership.id).where(Membership.person_id == person.id))
        administers = await session.exec(
            select(GroupAdmin.coalition_id).where(GroupAdmin.tg_user_id == person.tg_user_id)
        )
        if elsewhere.first() is None and administers.first() is None:
            await forget(session, person)
            forgotten += 1
    return forgotten
