"""Action points and their updates (SPEC §5): creation, owners, permissions, updates, lists.

Owners are references resolved when the bot looks: a member (`@username`), an organisation
of a member (all its members own the point) or a role key (all members with that role).
Only an owner or a manager changes a point's status; anyone else's words are kept as comments.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import ActionMessage, ActionPoint, ActionUpdate, Coalition, Person
from bot.services import members as member_service
from bot.services import numbering, organisations, parsing, recipients, reports
from bot.services.action_parsing import Progress, parse_reference
from bot.services.errors import InvalidInput, NotAllowed, NotFound, Words
from bot.services.members import Member
from bot.services.roles import ROLE_LIST, read_role

MEMBER, ORGANISATION, ROLE = "member", "organisation", "role"
MAX_TEXT = 500
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


@dataclass(frozen=True)
class Owner:
    """Who owns an action point, as named in a command: a member, an organisation or a role."""

    kind: str
    member: Member | None = None
    name: str = ""

    def covers(self, action: ActionPoint, members: Iterable[Member]) -> bool:
        """Is `action` owned by this owner, or by someone inside it (a member of the organisation…)?"""
        if self.kind == MEMBER:
            return owns(self.member, action)
        if action.owner_kind == self.kind and action.owner_name.casefold() == self.name.casefold():
            return True
        if action.owner_kind != MEMBER:
            return False
        holder = next((m for m in members if m.person.id == action.owner_person_id), None)
        if holder is None:
            return False
        if self.kind == ORGANISATION:
            return organisations.key(holder.acting_organisation or "") == organisations.key(self.name)
        return holder.membership.role == self.name


def local_today(coalition: Coalition, now: datetime) -> date:
    return reports.local_today(coalition.timezone, now)


def is_overdue(action: ActionPoint, today: date) -> bool:
    return action.status != "done" and action.due_on is not None and action.due_on < today


def owns(member: Member | None, action: ActionPoint) -> bool:
    """Whether this member is (one of) the action point's owner(s) right now."""
    if member is None or not member.is_active:
        return False
    if action.owner_kind == MEMBER:
        return action.owner_person_id == member.person.id
    if action.owner_kind == ORGANISATION:  # only a confirmed claim acts for it (SPEC §3)
        return organisations.key(member.acting_organisation or "") == organisations.key(action.owner_name)
    return member.membership.role == action.owner_name


def awaits_confirmation(member: Member | None, action: ActionPoint) -> bool:
    """The member claims the organisation that owns `action`, and no manager has confirmed it yet."""
    awaiting = member.awaiting_organisation if member is not None and member.is_active else None
    return (
        action.owner_kind == ORGANISATION
        and awaiting is not None
        and organisations.key(awaiting) == organisations.key(action.owner_name)
    )


def refuse_unconfirmed(member: Member | None, action: ActionPoint, progress: Progress) -> None:
    """A status change by an unconfirmed claimant of the owning organisation is refused with why."""
    if progress.changes and awaits_confirmation(member, action):
        organisations.refuse_unconfirmed(
            member.membership,
            N_(
                "Your claim to act for {organisation} awaits a manager's confirmation: until then you may "
                "comment on {action}, not change its status."
            ),
            action=f"AP{action.number}",
        )


def owners(action: ActionPoint, members: Iterable[Member]) -> list[Member]:
    """The people who own `action` now (resolved at send time for digests and requests)."""
    return [m for m in members if owns(m, action)]


async def read_owner(session: AsyncSession, coalition: Coalition, words: list[str]) -> tuple[Owner, list[str]]:
    """The owner named by the first word(s); returns it and the words after it.

    Organisation names may have several words ("Embassy of Norway"): the longest prefix that
    names one of the coalition's organisations (any spelling, SPEC §3) wins.
    """
    if not words:
        raise InvalidInput(N_("Name the owner: /action <owner> [YYYY-MM-DD] <text>."))
    first = words[0]
    if first.startswith("@"):
        return Owner(MEMBER, member=await member_service.find_member(session, coalition, first)), words[1:]
    role = read_role(words)
    if role is not None:
        return Owner(ROLE, name=role[0]), role[1]
    known = {organisations.key(name): name for name in await organisations.names(session, coalition)}
    for length in range(len(words), 0, -1):
        name = known.get(organisations.key(" ".join(words[:length])))
        if name is not None:
            return Owner(ORGANISATION, name=name), words[length:]
    raise NotFound(
        N_("Unknown owner “{value}”. Name a member (@username), the organisation of a member, or a role: {roles}."),
        value=first,
        roles=Words(ROLE_LIST),
    )


def read_due(words: list[str]) -> tuple[date | None, list[str]]:
    """An optional `YYYY-MM-DD` first word; something date-like but impossible is refused."""
    first = parsing.western_digits(words[0]) if words else ""
    if not _DATE_LIKE.match(first):
        return None, words
    try:
        return datetime.strptime(first, "%Y-%m-%d").date(), words[1:]
    except ValueError as exc:
        raise InvalidInput(
            N_("“{value}” is not a valid date: use YYYY-MM-DD, e.g. 2027-03-31."), value=words[0]
        ) from exc


async def create(
    session: AsyncSession, coalition: Coalition, author: Person, arguments: str, now: datetime
) -> tuple[ActionPoint, Owner]:
    """`/action <owner> [YYYY-MM-DD] <text>`. A past due date is accepted (backfilling)."""
    owner, words = await read_owner(session, coalition, arguments.split())
    due, words = read_due(words)
    text = " ".join(words)
    if not text:
        raise InvalidInput(N_("The action point needs a text: /action <owner> [YYYY-MM-DD] <text>."))
    if len(text) > MAX_TEXT:
        raise InvalidInput(N_("An action point may have at most {limit} characters."), limit=MAX_TEXT)
    action = ActionPoint(
        coalition_id=coalition.id,
        number=await numbering.next_number(session, ActionPoint, coalition.id),
        text=text,
        owner_kind=owner.kind,
        owner_person_id=owner.member.person.id if owner.member else None,
        owner_name=owner.name,
        due_on=due,
        created_by_id=author.id,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    await session.flush()
    return action, owner


async def by_number(session: AsyncSession, coalition: Coalition, reference: str) -> ActionPoint:
    number = parse_reference(reference)
    action = await numbering.by_number(session, ActionPoint, coalition.id, number)
    if action is None:
        raise NotFound(N_("There is no action point {value} in this coalition."), value=f"AP{number}")
    return action


async def by_numbers(session: AsyncSession, coalition: Coalition, numbers: Iterable[int]) -> list[ActionPoint]:
    """The existing action points among `numbers` (unknown tags in chat are simply ignored)."""
    rows = await session.exec(
        select(ActionPoint)
        .where(ActionPoint.coalition_id == coalition.id, ActionPoint.number.in_(list(numbers)))
        .order_by(ActionPoint.number)
    )
    return list(rows)


def require_member(member: Member | None) -> Member:
    if member is None or not member.is_active:
        raise NotAllowed(N_("Please /join the coalition first."))
    return member


async def record_from_chat(
    session: AsyncSession,
    member: Member | None,
    author: Callable[[], Awaitable[Person]],
    pairs: list[tuple[ActionPoint, Progress]],
    manages: Callable[[], Awaitable[bool]],
    now: datetime,
    said: str,
) -> list[ActionUpdate]:
    """Progress written in the group chat (`#AP3` tags, a reply to an action point's message).

    Who may say what: an active member's words about action points they own are updates,
    about others' are comments; a manager's are updates; anyone else is ignored (nothing
    stored). `manages` is asked only when ownership does not settle it, because it may read the
    group's administrator list. `author` gives the writer's person row once something is to be
    recorded, so words that are ignored store nothing about their writer. Returns the rows
    recorded (none for words that say nothing)."""
    member = member if member is not None and member.is_active else None
    may_manage: bool | None = None
    if member is None:
        may_manage = await manages()
        if not may_manage:
            return []
    rows = []
    for target, progress in pairs:
        allowed = owns(member, target)
        if not allowed:
            may_manage = await manages() if may_manage is None else may_manage
            allowed = may_manage
        row = await record(session, target, await author(), allowed, progress, now, conversational=True, said=said)
        if row is not None:
            rows.append(row)
    return rows


async def record(
    session: AsyncSession,
    action: ActionPoint,
    author: Person,
    allowed: bool,
    progress: Progress,
    now: datetime,
    *,
    conversational: bool = False,
    said: str = "",
) -> ActionUpdate | None:
    """Store an update. `allowed`: the author owns the point or manages the coalition (an
    administrator of the group may not have joined: the author is a person, not a member).

    A command (`conversational=False`) that changes the status without the right is refused;
    a chat message (a `#AP3` tag, a reply) is then kept as a comment of what was `said`.
    Returns None for a conversational mention that says nothing.
    """
    if progress.changes and not allowed:
        if not conversational:
            raise NotAllowed(
                N_("Only an owner of {action} or a manager may change its status; others may comment."),
                action=f"AP{action.number}",
            )
        return _add(session, action, author, now, text=said or progress.text, comment=True)
    if not progress.changes and not progress.text:
        if conversational:
            return None
        raise InvalidInput(N_("Say what changed: /update AP3 [status] [NN%] <text>."))
    status = progress.status
    if status is None and progress.percent is not None and action.status == "open":
        status = "progress"  # a percentage means work has started
    if allowed:
        action.status = status or action.status
        action.percent = progress.percent if progress.percent is not None else action.percent
        action.updated_at = now
        session.add(action)
    return _add(
        session, action, author, now, status=status, percent=progress.percent, text=progress.text, comment=not allowed
    )


def _add(
    session: AsyncSession,
    action: ActionPoint,
    author: Person,
    now: datetime,
    *,
    status: str | None = None,
    percent: int | None = None,
    text: str = "",
    comment: bool,
) -> ActionUpdate:
    row = ActionUpdate(
        action_id=action.id,
        author_id=author.id,
        at=now,
        status=status,
        percent=percent,
        text=text[: MAX_TEXT * 2],
        comment=comment,
    )
    session.add(row)
    return row


def closing(action: ActionPoint, note: str) -> Progress:
    """`/done AP3 [note]`."""
    if action.status == "done":
        raise InvalidInput(N_("{action} is already done."), action=f"AP{action.number}")
    return Progress("done", None, note)


def reopening(action: ActionPoint, note: str) -> Progress:
    """`/reopen AP3 [note]`."""
    if action.status != "done":
        raise InvalidInput(
            N_("{action} is not done; only a done action point can be reopened."), action=f"AP{action.number}"
        )
    return Progress("open", None, note)


async def link(session: AsyncSession, actions: Iterable[ActionPoint], chat_id: int, message_id: int) -> None:
    """Remember that a message is about these action points: replying to it updates them."""
    for action in actions:
        session.add(ActionMessage(action_id=action.id, chat_id=chat_id, message_id=message_id))


async def linked(session: AsyncSession, chat_id: int, message_id: int) -> list[ActionPoint]:
    rows = await session.exec(
        select(ActionPoint)
        .join(ActionMessage, ActionMessage.action_id == ActionPoint.id)
        .where(ActionMessage.chat_id == chat_id, ActionMessage.message_id == message_id)
        .distinct()
    )
    return list(rows)


@dataclass(frozen=True)
class Item:
    """An action point as lists show it: with its owner person, last update and days overdue."""

    action: ActionPoint
    owner: Person | None  # for a member-owned point
    last: ActionUpdate | None
    overdue_days: int = 0

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


async def items(session: AsyncSession, actions: list[ActionPoint], today: date) -> list[Item]:
    ids = [a.id for a in actions]
    latest = (
        select(func.max(ActionUpdate.id))
        .where(ActionUpdate.action_id.in_(ids), ActionUpdate.comment.is_(False))
        .group_by(ActionUpdate.action_id)
    )
    updates = {u.action_id: u for u in await session.exec(select(ActionUpdate).where(ActionUpdate.id.in_(latest)))}
    person_ids = {a.owner_person_id for a in actions if a.owner_person_id}
    people = (
        {p.id: p for p in await session.exec(select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
    )
    return [
        Item(
            a, people.get(a.owner_person_id), updates.get(a.id), (today - a.due_on).days if is_overdue(a, today) else 0
        )
        for a in actions
    ]


async def open_actions(session: AsyncSession, coalition_id: int) -> list[ActionPoint]:
    rows = await session.exec(
        select(ActionPoint)
        .where(ActionPoint.coalition_id == coalition_id, ActionPoint.status != "done")
        .order_by(ActionPoint.number)
    )
    return list(rows)


async def done_since(session: AsyncSession, coalition_id: int, since: datetime) -> list[ActionPoint]:
    rows = await session.exec(
        select(ActionPoint)
        .where(ActionPoint.coalition_id == coalition_id, ActionPoint.status == "done", ActionPoint.updated_at >= since)
        .order_by(ActionPoint.number)
    )
    return list(rows)


async def select_items(
    session: AsyncSession, coalition: Coalition, scope: list[str], member: Member | None, now: datetime
) -> list[Item]:
    """`/actions [mine|overdue|@owner|org|role]`: open action points of one coalition."""
    today = local_today(coalition, now)
    actions = await open_actions(session, coalition.id)
    keyword = scope[0].lower() if scope else ""
    if keyword == "mine":
        actions = [a for a in actions if owns(member, a)]
    elif keyword == "overdue":
        actions = [a for a in actions if is_overdue(a, today)]
    elif scope:
        owner, rest = await read_owner(session, coalition, scope)
        if rest:
            raise InvalidInput(
                N_("Unknown filter “{value}”. Use mine, overdue, @username, an organisation or a role."),
                value=" ".join(scope),
            )
        members = await recipients.active_members(session, coalition.id)
        actions = [a for a in actions if owner.covers(a, members)]
    return await items(session, actions, today)
