"""Agenda proposals and agenda polls (SPEC §7).

A proposal and a poll belong to the meeting that was next when they were made; one made
while no meeting was scheduled (or whose meeting was then cancelled) belongs to the first
meeting held after it was made. Telegram's poll limits are checked here, before anything
is sent, so bad input is a clear refusal and never a Bot API error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import AgendaPoll, Coalition, Meeting, Person, PollOption, PollVote, Proposal
from bot.services import meetings as meeting_service
from bot.services import members as member_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.members import Member, PersonInfo
from bot.services.numbering import next_number

MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS, MAX_OPTIONS = 2, 12
"""Telegram's limits for a poll (sendPoll)."""
MAX_PROPOSAL = 200
SEPARATOR = "|"
NAMED = "open"
"""`/poll open …`: a non-anonymous poll, each member's answers recorded."""
ELLIPSIS = "…"


def _clean(text: str) -> str:
    return " ".join(text.split())


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _short(text: str) -> str:
    """Enough of a user's text to recognise it in an error message."""
    return cut(text, 30)


@dataclass(frozen=True)
class PollDraft:
    """A poll ready to send. `question` None: the default localised question of a proposals poll."""

    question: str | None
    options: list[str]
    anonymous: bool = True
    proposal_ids: list[int | None] = field(default_factory=list)


def split_named(text: str) -> tuple[bool, str]:
    """`open …` asks for a named poll; returns (anonymous, the rest)."""
    first, _, rest = text.strip().partition(" ")
    if first.lower() == NAMED:
        return False, rest.strip()
    return True, text.strip()


def check_question(question: str) -> None:
    """Telegram's limit: a question of 1–300 characters."""
    if not question:
        raise InvalidInput(N_("The poll needs a question before the first |."))
    if len(question) > MAX_QUESTION:
        raise InvalidInput(
            N_("The question has {count} characters; Telegram allows at most {limit}."),
            count=len(question),
            limit=MAX_QUESTION,
        )


def check_options(options: list[str]) -> None:
    """Telegram's limits: 2–12 options of 1–100 characters; duplicates would confuse voters."""
    for number, option in enumerate(options, start=1):
        if not option:
            raise InvalidInput(N_("Option {number} is empty."), number=number)
        if len(option) > MAX_OPTION:
            raise InvalidInput(
                N_("Option “{value}” has {count} characters; Telegram allows at most {limit}."),
                value=_short(option),
                count=len(option),
                limit=MAX_OPTION,
            )
    if len(options) < MIN_OPTIONS:
        raise InvalidInput(
            N_("A poll needs at least {limit} options; {count} given."), limit=MIN_OPTIONS, count=len(options)
        )
    if len(options) > MAX_OPTIONS:
        raise InvalidInput(
            N_("A poll may have at most {limit} options; {count} given."), limit=MAX_OPTIONS, count=len(options)
        )
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise InvalidInput(N_("Option “{value}” appears twice."), value=_short(option))
        seen.add(option.casefold())


def parse_poll(rest: str, anonymous: bool = True) -> PollDraft:
    """`question | option 1 | option 2 | …`."""
    if SEPARATOR not in rest:
        raise InvalidInput(N_("Separate the question and the options with |: /poll question | option 1 | option 2."))
    question, *options = (_clean(part) for part in rest.split(SEPARATOR))
    check_question(question)
    check_options(options)
    return PollDraft(question, options, anonymous, [None] * len(options))


def option_text(proposal: Proposal) -> str:
    """A proposal as a poll option: cut to Telegram's 100 characters (the agenda keeps it whole)."""
    return cut(proposal.text, MAX_OPTION)


async def next_meeting(session: AsyncSession, coalition: Coalition, now: datetime) -> Meeting | None:
    upcoming = await meeting_service.upcoming(session, coalition, now)
    return upcoming[0] if upcoming else None


async def _meetings(session: AsyncSession, coalition_id: int) -> list[Meeting]:
    rows = await session.exec(select(Meeting).where(Meeting.coalition_id == coalition_id).order_by(Meeting.starts_at))
    return list(rows)


def attached(meeting_id: int | None, created_at: datetime, meetings: list[Meeting]) -> int | None:
    """The meeting an item belongs to: its own unless cancelled, else the first one after it was made."""
    own = next((m for m in meetings if m.id == meeting_id), None)
    if own is not None and not own.cancelled:
        return own.id
    later = [m for m in meetings if not m.cancelled and m.starts_at > created_at]
    return later[0].id if later else None


async def _proposals(session: AsyncSession, coalition_id: int) -> list[Proposal]:
    rows = await session.exec(select(Proposal).where(Proposal.coalition_id == coalition_id).order_by(Proposal.number))
    return list(rows)


async def _polled_ids(session: AsyncSession, coalition_id: int) -> set[int]:
    rows = await session.exec(
        select(PollOption.proposal_id)
        .join(AgendaPoll, AgendaPoll.id == PollOption.poll_id)
        .where(AgendaPoll.coalition_id == coalition_id, PollOption.proposal_id.is_not(None))
    )
    return set(rows.all())


async def open_proposals(session: AsyncSession, coalition: Coalition, meeting: Meeting | None) -> list[Proposal]:
    """Proposals for `meeting` (None: the next, not yet scheduled one) that no poll has asked about."""
    meetings = await _meetings(session, coalition.id)
    polled = await _polled_ids(session, coalition.id)
    target = meeting.id if meeting else None
    return [
        p
        for p in await _proposals(session, coalition.id)
        if p.id not in polled and attached(p.meeting_id, p.created_at, meetings) == target
    ]


async def open_duplicate(session: AsyncSession, coalition: Coalition, text: str, now: datetime) -> Proposal | None:
    """An open proposal for the next meeting with the same text (case aside), if any."""
    meeting = await next_meeting(session, coalition, now)
    wanted = _clean(text).casefold()
    return next((p for p in await open_proposals(session, coalition, meeting) if p.text.casefold() == wanted), None)


async def add_proposal(
    session: AsyncSession,
    coalition: Coalition,
    text: str,
    now: datetime,
    proposer: Person | None = None,
    concern_id: int | None = None,
) -> Proposal:
    """Store a proposal for the next meeting; an open proposal with the same text is refused."""
    text = _clean(text)
    if not text:
        raise InvalidInput(N_("Give the topic: /propose <topic>."))
    if len(text) > MAX_PROPOSAL:
        raise InvalidInput(
            N_("A proposal may have at most {limit} characters; this one has {count}."),
            limit=MAX_PROPOSAL,
            count=len(text),
        )
    existing = await open_duplicate(session, coalition, text, now)
    if existing is not None:
        raise InvalidInput(N_("“{value}” is already proposed as {ref}."), value=_short(text), ref=f"P{existing.number}")
    meeting = await next_meeting(session, coalition, now)
    proposal = Proposal(
        coalition_id=coalition.id,
        number=await next_number(session, Proposal, coalition.id),
        text=text,
        proposer_id=proposer.id if proposer else None,
        meeting_id=meeting.id if meeting else None,
        concern_id=concern_id,
        created_at=now,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def propose(
    session: AsyncSession, coalition: Coalition, member: Member | None, text: str, now: datetime
) -> Proposal:
    if member is None or not member.is_active:
        raise NotAllowed(N_("Please /join the coalition first."))
    return await add_proposal(session, coalition, text, now, proposer=member.person)


async def proposals_draft(session: AsyncSession, coalition: Coalition, anonymous: bool, now: datetime) -> PollDraft:
    """A poll of the open proposals for the next meeting, under the default question."""
    proposals = await open_proposals(session, coalition, await next_meeting(session, coalition, now))
    if not proposals:
        raise NotFound(
            N_(
                "There are no open proposals. Propose topics with /propose <topic>, or give the options: /poll question | option 1 | option 2."
            )
        )
    if len(proposals) < MIN_OPTIONS:
        raise InvalidInput(
            N_("A poll needs at least {limit} options, and there is only one open proposal."), limit=MIN_OPTIONS
        )
    if len(proposals) > MAX_OPTIONS:
        raise InvalidInput(
            N_(
                "There are {count} open proposals; a poll may have at most {limit} options. Give the options yourself: /poll question | option 1 | option 2."
            ),
            count=len(proposals),
            limit=MAX_OPTIONS,
        )
    options = [option_text(p) for p in proposals]
    check_options(options)
    return PollDraft(None, options, anonymous, [p.id for p in proposals])


async def draft_poll(session: AsyncSession, coalition: Coalition, text: str, now: datetime) -> PollDraft:
    """`/poll [open] [question | option 1 | …]`: alone, it polls the open proposals."""
    anonymous, rest = split_named(text)
    if not rest:
        return await proposals_draft(session, coalition, anonymous, now)
    return parse_poll(rest, anonymous)


async def store_poll(
    session: AsyncSession, coalition: Coalition, draft: PollDraft, question: str, chat_id: int, now: datetime
) -> AgendaPoll:
    """A poll about to be posted, for the next meeting: its proposals are no longer open, so a
    second `/poll` does not ask about them again while the first is on its way (`posted`)."""
    meeting = await next_meeting(session, coalition, now)
    poll = AgendaPoll(
        coalition_id=coalition.id,
        meeting_id=meeting.id if meeting else None,
        chat_id=chat_id,
        question=question,
        anonymous=draft.anonymous,
        created_at=now,
    )
    session.add(poll)
    await session.flush()
    for position, (text, proposal_id) in enumerate(zip(draft.options, draft.proposal_ids, strict=True)):
        session.add(PollOption(poll_id=poll.id, position=position, text=text, proposal_id=proposal_id))
    await session.flush()
    return poll


async def posted(session: AsyncSession, poll_id: int, tg_poll_id: str, chat_id: int, message_id: int) -> None:
    """Telegram accepted the poll: its id ties Telegram's counts and votes to it."""
    poll = await session.get(AgendaPoll, poll_id)
    if poll is not None:  # the coalition may have been deleted meanwhile
        poll.tg_poll_id, poll.chat_id, poll.message_id = tg_poll_id, chat_id, message_id
        session.add(poll)


async def _poll_by_tg_id(session: AsyncSession, tg_poll_id: str) -> AgendaPoll | None:
    return (await session.exec(select(AgendaPoll).where(AgendaPoll.tg_poll_id == tg_poll_id))).first()


async def _options(session: AsyncSession, poll_id: int) -> list[PollOption]:
    rows = await session.exec(select(PollOption).where(PollOption.poll_id == poll_id).order_by(PollOption.position))
    return list(rows)


async def record_state(
    session: AsyncSession, tg_poll_id: str, counts: list[int], voters: int, closed: bool, now: datetime
) -> AgendaPoll | None:
    """A `poll` update (or stopPoll's answer): Telegram's counts replace ours. None: not our poll."""
    poll = await _poll_by_tg_id(session, tg_poll_id)
    if poll is not None:
        await _apply(session, poll, counts, voters, closed, now)
    return poll


async def close(
    session: AsyncSession, poll_id: int, counts: list[int] | None, voters: int | None, now: datetime
) -> None:
    """After stopPoll: its final counts, or (None) the last ones Telegram reported."""
    poll = await session.get(AgendaPoll, poll_id)
    if counts is None or voters is None:
        counts, voters = [o.votes for o in await _options(session, poll.id)], poll.voters
    await _apply(session, poll, counts, voters, True, now)


async def _apply(
    session: AsyncSession, poll: AgendaPoll, counts: list[int], voters: int, closed: bool, now: datetime
) -> None:
    for option in await _options(session, poll.id):
        if option.position < len(counts):
            option.votes = counts[option.position]
            session.add(option)
    poll.voters = voters
    if closed and not poll.closed:
        poll.closed, poll.closed_at = True, now
    session.add(poll)


async def record_answer(session: AsyncSession, tg_poll_id: str, voter: PersonInfo, option_ids: list[int]) -> bool:
    """A `poll_answer` of a named poll: the voter's choice replaces their previous one ([] retracts).

    Only members' choices are kept by name: a vote from someone who never joined (or has left)
    stores nothing about them, and Telegram's counts still include it."""
    poll = await _poll_by_tg_id(session, tg_poll_id)
    if poll is None or poll.anonymous:
        return False
    person = await member_service.person_by_user(session, voter.tg_user_id)
    coalition = await session.get(Coalition, poll.coalition_id)
    record = await member_service.membership(session, coalition, person) if person is not None else None
    if record is None or record.left_at is not None:
        return False
    await member_service.keep_current(session, person, voter)
    await session.exec(delete(PollVote).where(PollVote.poll_id == poll.id, PollVote.person_id == person.id))
    for position in sorted(set(option_ids)):
        session.add(PollVote(poll_id=poll.id, person_id=person.id, position=position))
    await session.flush()
    return True


async def erase_votes(session: AsyncSession, person: Person) -> None:
    """`/forgetme`: a member's named poll votes go (the counts Telegram reported stay)."""
    await session.exec(delete(PollVote).where(PollVote.person_id == person.id))


async def latest_open(session: AsyncSession, coalition: Coalition) -> AgendaPoll:
    poll = (
        await session.exec(
            select(AgendaPoll)
            .where(AgendaPoll.coalition_id == coalition.id, AgendaPoll.closed.is_(False))
            .order_by(AgendaPoll.created_at.desc(), AgendaPoll.id.desc())
        )
    ).first()
    if poll is None:
        raise NotFound(N_("There is no open poll in this coalition."))
    if poll.message_id is None:
        raise InvalidInput(N_("The latest poll has not reached the group yet; send /closepoll again in a minute."))
    return poll


@dataclass(frozen=True)
class Choice:
    """One option with its votes and, in a named poll, who chose it."""

    text: str
    votes: int
    voters: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PollResult:
    poll: AgendaPoll
    choices: list[Choice]  # most votes first


async def result(session: AsyncSession, poll_id: int) -> PollResult:
    poll = await session.get(AgendaPoll, poll_id)
    names: dict[int, list[str]] = defaultdict(list)
    if not poll.anonymous:
        rows = await session.exec(
            select(PollVote.position, Person.full_name)
            .join(Person, Person.id == PollVote.person_id)
            .where(PollVote.poll_id == poll.id)
            .order_by(Person.full_name)
        )
        for position, name in rows:
            names[position].append(name)
    options = sorted(await _options(session, poll.id), key=lambda o: (-o.votes, o.position))
    return PollResult(poll, [Choice(o.text, o.votes, names.get(o.position, [])) for o in options])


@dataclass(frozen=True)
class AgendaItem:
    text: str
    votes: int
    proposal: Proposal | None = None


@dataclass(frozen=True)
class Agenda:
    """A meeting's agenda: polled items ranked by votes, then the proposals no poll asked about."""

    meeting: Meeting | None  # None: the next meeting, not scheduled yet
    ranked: list[AgendaItem]
    unpolled: list[tuple[Proposal, Person | None]]


async def agenda(session: AsyncSession, coalition: Coalition, reference: str | None, now: datetime) -> Agenda:
    meeting = (
        await meeting_service.by_number(session, coalition, reference)
        if reference
        else await next_meeting(session, coalition, now)
    )
    meetings = await _meetings(session, coalition.id)
    target = meeting.id if meeting else None
    proposals = {p.id: p for p in await _proposals(session, coalition.id)}
    polls = [
        p
        for p in (await session.exec(select(AgendaPoll).where(AgendaPoll.coalition_id == coalition.id))).all()
        if attached(p.meeting_id, p.created_at, meetings) == target
    ]
    ranked = []
    for poll in sorted(polls, key=lambda p: p.created_at):
        for option in await _options(session, poll.id):
            proposal = proposals.get(option.proposal_id)
            ranked.append(AgendaItem(proposal.text if proposal else option.text, option.votes, proposal))
    ranked.sort(key=lambda item: -item.votes)  # stable: ties keep poll and option order
    unpolled = []
    for proposal in await open_proposals(session, coalition, meeting):
        proposer = await session.get(Person, proposal.proposer_id) if proposal.proposer_id else None
        unpolled.append((proposal, proposer))
    return Agenda(meeting, ranked, unpolled)
