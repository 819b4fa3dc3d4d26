"""`/forgetme` (SPEC §3): erase a member's personal data everywhere.

The person's row stays as an anonymous placeholder ("former member") because records others
depend on point to it: action points they owned, updates and notes they wrote. Everything
that is personal (Telegram id, names, username, language, timezone, memberships, RSVPs,
named poll votes, their deliveries) goes, and so does every row that names their Telegram id
or their private chat (whose id is the same number): links of action points to messages in
that chat, messages still waiting to be sent there, dialogs under way, the record of edits
answered, the stored administrator lists. Figures reported for an organisation stay. The
anonymous-concern limiter's entries stay until their hour passes: they name nobody (their key
is only in the bot's memory), and erasing them would reset the abuse limit (SPEC §8).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ActionMessage, Delivery, DialogState, EditNotice, Membership, OutboxMessage, Person, Rsvp
from bot.services import group_admins
from bot.services.agenda import erase_votes
from bot.services.reminders import person_recipient

Eraser = Callable[[AsyncSession, Person], Awaitable[None]]


async def _memberships_and_meetings(session: AsyncSession, person: Person) -> None:
    await session.exec(delete(Rsvp).where(Rsvp.person_id == person.id))
    await session.exec(delete(Membership).where(Membership.person_id == person.id))
    await session.exec(delete(Delivery).where(Delivery.recipient == person_recipient(person.id)))


async def _telegram_ids(session: AsyncSession, person: Person) -> None:
    tg_user_id = person.tg_user_id
    if tg_user_id is None:
        return
    await session.exec(delete(ActionMessage).where(ActionMessage.chat_id == tg_user_id))
    await session.exec(delete(OutboxMessage).where(OutboxMessage.chat_id == tg_user_id))
    await session.exec(delete(DialogState).where(DialogState.tg_user_id == tg_user_id))
    await session.exec(delete(EditNotice).where(EditNotice.tg_user_id == tg_user_id))
    await group_admins.drop(session, tg_user_id)


ERASERS: tuple[Eraser, ...] = (_memberships_and_meetings, erase_votes, _telegram_ids)
"""Every area that keeps rows about a person of their own (not shared records)."""


async def forget(session: AsyncSession, person: Person) -> None:
    """Erase everything personal, in the caller's transaction (all or nothing)."""
    for erase in ERASERS:
        await erase(session, person)
    person.tg_user_id = None
    person.username = None
    person.full_name = ""
    person.telegram_language = person.language = person.timezone = None
    person.can_message = person.unreachable = False
    session.add(person)
