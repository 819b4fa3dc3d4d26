"""People and memberships: joining, approval, roles and personal preferences (SPEC §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, literal
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import DEFAULT, N_, negotiate
from bot.models import Coalition, Membership, Person
from bot.services import organisations
from bot.services.errors import InvalidInput, NotFound, Words
from bot.services.roles import MANAGER_ROLES, OPEN_ROLES, ROLE_LIST, read_role

MAX_ORGANISATION = 64


@dataclass(frozen=True)
class PersonInfo:
    """What Telegram tells us about a user, without Telegram types."""

    tg_user_id: int
    full_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Member:
    """A membership with its person, the unit every listing and permission check works on."""

    membership: Membership
    person: Person

    @property
    def is_active(self) -> bool:
        return self.membership.role is not None

    @property
    def is_manager(self) -> bool:
        return self.membership.role in MANAGER_ROLES

    @property
    def acting_organisation(self) -> str | None:
        """The organisation this member acts for (owns its action points, files its figures,
        pledges for it), or None: an individual. Only a confirmed claim counts (SPEC §3)."""
        return self.membership.organisation if self.is_active and organisations.is_confirmed(self.membership) else None

    @property
    def awaiting_organisation(self) -> str | None:
        """The organisation this member claims while a manager has not confirmed it."""
        return organisations.awaiting(self.membership)


async def upsert_person(session: AsyncSession, info: PersonInfo) -> Person:
    """The person for a Telegram user, created on first sight, names kept current."""
    person = await person_by_user(session, info.tg_user_id)
    return await keep_current(session, person, info)


async def keep_current(session: AsyncSession, person: Person | None, info: PersonInfo) -> Person:
    """Create the person if `person` is None, else bring its Telegram names up to date.

    Runs for every update: an unchanged person costs no statement at all."""
    if person is None:
        person = Person(tg_user_id=info.tg_user_id)
        session.add(person)
    for field, value in (
        ("full_name", info.full_name),
        ("username", info.username),
        ("telegram_language", info.language_code),
    ):
        if getattr(person, field) != value:
            setattr(person, field, value)
    if person.id is None:
        await session.flush()
    return person


@dataclass(frozen=True)
class Speaker:
    """Where an update comes from and who sent it, as stored before the update is applied."""

    coalition: Coalition | None
    person: Person | None
    membership: Membership | None


_ANCHOR = select(literal(1).label("anchor")).subquery()
_SPEAKER = (
    select(Coalition, Person, Membership)
    .select_from(_ANCHOR)
    .outerjoin(Coalition, Coalition.chat_id == bindparam("chat_id"))
    .outerjoin(Person, Person.tg_user_id == bindparam("tg_user_id"))
    .outerjoin(Membership, (Membership.coalition_id == Coalition.id) & (Membership.person_id == Person.id))
)
"""Built once: for a statement run on every update, building it costs as much as running it."""


async def speaker(session: AsyncSession, chat_id: int | None, tg_user_id: int | None) -> Speaker:
    """The coalition of a group, the person and their membership, in one query.

    Every update needs all three, so they are read together: outer joins from a one-row
    anchor leave a part None when the group is no coalition (or `chat_id` is None, a private
    chat), when the user is new, or when they have not joined."""
    row = (await session.exec(_SPEAKER, params={"chat_id": chat_id, "tg_user_id": tg_user_id})).one()
    return Speaker(*row)


async def person_by_user(session: AsyncSession, tg_user_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.tg_user_id == tg_user_id))).first()


async def mark_unreachable(session: AsyncSession, tg_user_id: int) -> None:
    """Telegram answered 403: the person blocked the bot (or never started it)."""
    person = await person_by_user(session, tg_user_id)
    if person is not None:
        person.unreachable = True
        session.add(person)


def parse_role(value: str) -> str:
    """A role given by its key or its name in any of the three languages."""
    found = read_role(value.split())
    if found is None or found[1]:
        raise InvalidInput(N_("Unknown role “{value}”. Roles: {roles}."), value=value, roles=Words(ROLE_LIST))
    return found[0]


def clean_organisation(value: str | None) -> str | None:
    organisation = " ".join((value or "").split())
    if len(organisation) > MAX_ORGANISATION:
        raise InvalidInput(
            N_("Organisation name “{value}” is too long (at most {limit} characters)."),
            value=organisation[:20] + "…",
            limit=MAX_ORGANISATION,
        )
    return organisation or None


async def membership(session: AsyncSession, coalition: Coalition, person: Person) -> Membership | None:
    return (
        await session.exec(
            select(Membership).where(Membership.coalition_id == coalition.id, Membership.person_id == person.id)
        )
    ).first()


async def join(
    session: AsyncSession,
    coalition: Coalition,
    person: Person,
    role: str,
    organisation: str | None,
    now: datetime,
) -> tuple[Membership, bool]:
    """Join (or change one's own role). Returns (membership, pending): privileged roles wait.

    An organisation named is claimed, spelled as the coalition first spelled it; another one
    than before waits for a manager's confirmation (`organisations.claim`)."""
    role = parse_role(role)
    organisation = clean_organisation(organisation)
    record = await membership(session, coalition, person)
    if record is None:
        record = Membership(coalition_id=coalition.id, person_id=person.id, joined_at=now)
    elif record.left_at is not None:
        _start_over(record, now)
    pending = role not in OPEN_ROLES and record.role != role
    if pending:
        record.pending_role = role
    else:
        record.role, record.pending_role = role, None
    if organisation:
        organisations.claim(record, await organisations.register(session, coalition, organisation, now))
    session.add(record)
    await session.flush()
    return record, pending


_USERNAME = re.compile(r"[A-Za-z0-9_]{1,32}")


async def find_member(session: AsyncSession, coalition: Coalition, reference: str) -> Member:
    """The current member (active or awaiting approval) named by `@username` in one coalition.

    The name is compared exactly, without case: `_` in Telegram usernames is a letter here,
    never a wildcard, so `@john_doe` cannot pick `@johnadoe` (SPEC §3). A username kept from
    before its owner changed it may still sit on an old row: two members answering to one
    name are refused rather than guessed between."""
    username = reference.strip().removeprefix("@")
    known = (
        list(
            await session.exec(
                select(Person, Membership)
                .outerjoin(
                    Membership,
                    (Membership.person_id == Person.id)
                    & (Membership.coalition_id == coalition.id)
                    & Membership.left_at.is_(None),
                )
                .where(func.lower(Person.username) == username.lower())
            )
        )
        if _USERNAME.fullmatch(username)
        else []
    )
    if not known:
        raise NotFound(
            N_("Nobody called “{value}” is known to me. Check the spelling of the @username."), value=reference
        )
    current = [Member(record, person) for person, record in known if record is not None]
    if not current:
        raise NotFound(N_("{value} is not a member of this coalition. They must /join first."), value=reference)
    if len(current) > 1:
        raise InvalidInput(
            N_("Several members were last seen as {value}. Ask them to write in the group, then try again."),
            value=reference,
        )
    return current[0]


def grant_pending_role(record: Membership) -> None:
    """The privileged role asked for takes effect (approved, or asked by an administrator)."""
    if record.pending_role is not None:
        record.role, record.pending_role = record.pending_role, None


@dataclass(frozen=True)
class Granted:
    """What an approval (or `/role`) gave: a role, and an organisation to act for (None: nothing)."""

    role: str | None = None
    organisation: str | None = None


async def approve(session: AsyncSession, member: Member, by: Person | None, now: datetime) -> Granted:
    """A manager (`by`) grants what the member asked for: the pending role and the claim to an
    organisation, confirmed at once with it (SPEC §3). Nobody confirms their own claim.

    The membership is read again under a row lock: two managers approving at once (on two
    instances) wait for each other, and the second finds nothing pending, rather than both
    confirming and both announcing it."""
    record = member.membership
    await session.refresh(record, with_for_update=True)
    organisation = organisations.awaiting(record)
    if record.pending_role is None and organisation is None:
        raise InvalidInput(N_("{value} has no pending request."), value=member.person.full_name)
    organisations.require_not_own(record, by)
    role = record.pending_role
    grant_pending_role(record)
    organisations.confirm(record, by, now)
    session.add(record)
    return Granted(role, organisation)


async def membership_by_id(session: AsyncSession, coalition: Coalition, membership_id: int) -> Member:
    row = (
        await session.exec(
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.id == membership_id, Membership.coalition_id == coalition.id)
        )
    ).first()
    if row is None:
        raise NotFound(N_("This request no longer exists."))
    return Member(*row)


async def set_role(
    session: AsyncSession,
    coalition: Coalition,
    member: Member,
    role: str,
    organisation: str | None,
    by: Person | None,
    now: datetime,
) -> Granted:
    """A manager (`by`) sets a member's role directly; an organisation given is confirmed at
    once, except the manager's own (another manager or an administrator confirms that)."""
    record = member.membership
    record.role, record.pending_role = parse_role(role), None
    organisation = clean_organisation(organisation)
    confirmed = None
    if organisation:
        organisations.claim(record, await organisations.register(session, coalition, organisation, now))
        organisations.require_not_own(record, by)
        organisations.confirm(record, by, now)
        confirmed = record.organisation
    session.add(record)
    return Granted(record.role, confirmed)


def end_membership(record: Membership, now: datetime) -> None:
    """The member left or was removed from the group (SPEC §3 "Leaving"): nothing of what the
    membership allowed survives (role, pending request, confirmation of the organisation,
    facilitator's reading of concerns); the row stays, with the organisation they had, as the
    record that they were a member."""
    record.role = record.pending_role = None
    record.organisation_confirmed_at = record.organisation_confirmed_by = None
    record.facilitator_since = record.concerns_after = None
    record.left_at = now


def _start_over(record: Membership, now: datetime) -> None:
    """Rejoining after leaving is a fresh /join: the organisation is claimed again."""
    record.organisation = None
    record.organisation_confirmed_at = record.organisation_confirmed_by = None
    record.joined_at, record.left_at = now, None


async def members(session: AsyncSession, coalition: Coalition) -> list[Member]:
    rows = await session.exec(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.coalition_id == coalition.id)
        .order_by(Membership.role, Membership.organisation, Person.full_name)
    )
    return [Member(*row) for row in rows]


async def coalitions_of(session: AsyncSession, person: Person | None) -> list[tuple[Coalition, Membership]]:
    """Every coalition a person is an active member of (private-chat reading commands); none
    for someone the bot has not stored."""
    if person is None or person.id is None:
        return []
    rows = await session.exec(
        select(Coalition, Membership)
        .join(Membership, Membership.coalition_id == Coalition.id)
        .where(Membership.person_id == person.id, Membership.role.is_not(None))
        .order_by(Coalition.country)
    )
    return list(rows)


def reader_language(person: Person | None, coalition: Coalition | None) -> str:
    """A member's own choice, else their Telegram language if supported, else the coalition's."""
    if person is not None:
        if person.language:
            return person.language
        negotiated = negotiate(person.telegram_language)
        if negotiated:
            return negotiated
    return coalition.language_list[0] if coalition is not None else DEFAULT
