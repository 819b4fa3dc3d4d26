"""The Telegram administrators of each coalition's group, as last reported (SPEC §3).

A Telegram administrator of the group is a manager of the coalition everywhere, private
chats included. In a group the update names the chat, and the runtime's cache answers who
administers it; in a private chat nothing names the group, so this stored list says which
coalitions to check (the cache, or Telegram, then confirms). The list is rewritten whenever
the bot fetches a group's administrators, and an entry goes when its person leaves the group
or asks to be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, GroupAdmin
from bot.services import upserts


async def record(session: AsyncSession, coalition_id: int, tg_user_ids: Iterable[int]) -> None:
    """Replace the stored administrators of one group by those Telegram just listed."""
    wanted = frozenset(tg_user_ids)
    stored = await of_coalition(session, coalition_id)
    if stored == wanted:
        return
    if stored - wanted:
        await session.exec(
            delete(GroupAdmin).where(
                GroupAdmin.coalition_id == coalition_id, GroupAdmin.tg_user_id.in_(sorted(stored - wanted))
            )
        )
    for tg_user_id in sorted(wanted - stored):
        await add(session, coalition_id, tg_user_id)


async def of_coalition(session: AsyncSession, coalition_id: int) -> frozenset[int]:
    rows = await session.exec(select(GroupAdmin.tg_user_id).where(GroupAdmin.coalition_id == coalition_id))
    return frozenset(rows.all())


async def administered_by(session: AsyncSession, tg_user_id: int) -> list[Coalition]:
    """The coalitions whose group this person administered when the bot last looked."""
    rows = await session.exec(
        select(Coalition)
        .join(GroupAdmin, GroupAdmin.coalition_id == Coalition.id)
        .where(GroupAdmin.tg_user_id == tg_user_id)
        .order_by(Coalition.country, Coalition.id)
    )
    return list(rows)


_ADD = upserts.build(
    lambda insert: (
        insert(GroupAdmin.__table__)
        .values(coalition_id=bindparam("coalition_id"), tg_user_id=bindparam("tg_user_id"))
        .on_conflict_do_nothing(index_elements=["coalition_id", "tg_user_id"])
    )
)
"""Another instance may store the same fresh list at the same moment: the second insert is a no-op."""


async def add(session: AsyncSession, coalition_id: int, tg_user_id: int) -> None:
    """One administrator more (a promotion Telegram reported, or a fresh list)."""
    await upserts.run(session, _ADD, coalition_id=coalition_id, tg_user_id=tg_user_id)


async def drop(session: AsyncSession, tg_user_id: int, coalition_id: int | None = None) -> None:
    """Forget one person as administrator of one group (they left it), or of every group."""
    condition = GroupAdmin.tg_user_id == tg_user_id
    if coalition_id is not None:
        condition = condition & (GroupAdmin.coalition_id == coalition_id)
    await session.exec(delete(GroupAdmin).where(condition))
