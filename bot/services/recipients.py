"""Who receives a scheduled message (SPEC §6), decided when it is sent, not when planned."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Membership, Person
from bot.services.members import Member


@dataclass
class Audience:
    """Private recipients, and those to mention in the group because they cannot be written to."""

    private: list[Member] = field(default_factory=list)
    mention_in_group: list[Member] = field(default_factory=list)


def may_write(person: Person | None) -> bool:
    """The one rule for private messages: the person started the bot and never blocked it since."""
    return person is not None and person.tg_user_id is not None and person.can_message and not person.unreachable


def reachable(member: Member) -> bool:
    return may_write(member.person)


def split_by_reach(members: list[Member]) -> Audience:
    audience = Audience()
    for member in members:
        (audience.private if reachable(member) else audience.mention_in_group).append(member)
    return audience


async def active_members(session: AsyncSession, coalition_id: int, roles: frozenset[str] | None = None) -> list[Member]:
    """A coalition's members with a role (pending requests excluded), optionally only some roles."""
    role = Membership.role.in_(roles) if roles is not None else Membership.role.is_not(None)
    rows = await session.exec(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.coalition_id == coalition_id, role)
        .order_by(Person.id)
    )
    return [Member(*row) for row in rows]
