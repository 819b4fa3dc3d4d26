"""Anonymous concerns (SPEC §8): operators raise sensitive issues through the facilitators.

Nothing stored links a concern to its sender. The concern row holds the coalition, a
number and the text; delivery is a `Reminder` of kind `concern` naming only the concern,
so the dispatcher's guarantees (claims, Delivery rows, retries, 403) apply to the
facilitators it is sent to. Abuse limiting (`LIMIT` per sender and coalition within
`WINDOW`) keeps one `ConcernLimit` row per accepted concern: an HMAC-SHA256 of coalition
and Telegram user id under `Settings.concern_secret`, which lives in configuration and
never in the database, and the time. Rows leave the table when the window has passed, or
when the sender uses `/forgetme`.
Without a secret, concerns are refused (and the operator is told in the log): the bot
never falls back to storing anything derived from the user id without a key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Concern, ConcernLimit, Person, Proposal, Reminder
from bot.services import agenda, numbering, recipients
from bot.services import members as member_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.parsing import western_digits

log = logging.getLogger(__name__)

FACILITATOR = "facilitator"
FACILITATORS = frozenset({FACILITATOR})
"""The Reminder kind whose composer delivers a concern to the facilitators."""
LIMIT = 5
WINDOW = timedelta(hours=24)
MAX_TEXT = 3000
_REFERENCE = re.compile(r"^[cC]?(\d{1,6})$")


def clean_text(text: str) -> str:
    """The concern as written (line breaks kept), within the length a private message carries."""
    text = text.strip()
    if not text:
        raise InvalidInput(N_("Write the concern after the command: /concern <text>."))
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            N_("A concern may have at most {limit} characters; this one has {count}."), limit=MAX_TEXT, count=len(text)
        )
    return text


def token(secret: str, coalition_id: int, tg_user_id: int) -> str:
    """The limiter's key: meaningless without the secret, different for each coalition."""
    return hmac.new(secret.encode(), f"{coalition_id}:{tg_user_id}".encode(), hashlib.sha256).hexdigest()


def require_secret(secret: str | None) -> str:
    if not secret:
        log.warning("CONCERN_SECRET is not set: anonymous concerns are refused until it is configured")
        raise NotAllowed(
            N_("Anonymous concerns are not available yet: the bot's operator has to configure them. Nothing was sent.")
        )
    return secret


async def facilitators(session: AsyncSession, coalition_id: int) -> list[Member]:
    return await recipients.active_members(session, coalition_id, FACILITATORS)


async def submit(
    session: AsyncSession, coalition: Coalition, sender_tg_id: int, text: str, secret: str | None, now: datetime
) -> Concern:
    """Store a concern and plan its delivery; the sender's id only ever enters the keyed hash."""
    key = require_secret(secret)
    text = clean_text(text)
    if not await facilitators(session, coalition.id):
        raise NotFound(
            N_(
                "The Country Coalition of {country} has no facilitator yet, so nobody can receive the concern. Nothing was sent or stored."
            ),
            country=coalition.country,
        )
    await session.exec(delete(ConcernLimit).where(ConcernLimit.at <= now - WINDOW))
    sender = token(key, coalition.id, sender_tg_id)
    recent = (
        await session.exec(select(func.count()).select_from(ConcernLimit).where(ConcernLimit.token == sender))
    ).one()
    if recent >= LIMIT:
        raise NotAllowed(
            N_(
                "You have already sent {limit} concerns to this coalition in the last 24 hours. Please wait before sending another."
            ),
            limit=LIMIT,
        )
    number = await numbering.next_number(session, Concern, coalition.id)
    concern = Concern(coalition_id=coalition.id, number=number, text=text, created_at=now)
    session.add(concern)
    session.add(ConcernLimit(token=sender, at=now))
    await session.flush()
    session.add(
        Reminder(
            key=f"{Kind.CONCERN}:{concern.id}",
            coalition_id=coalition.id,
            kind=Kind.CONCERN,
            subject_id=concern.id,
            due_at=now,
        )
    )
    await session.flush()
    return concern


async def forget_sender(session: AsyncSession, secret: str | None, tg_user_id: int) -> None:
    """`/forgetme`: the limiter's rows of this sender go too, in every coalition, though
    without the secret they name nobody (with it, whoever holds it could test a user id)."""
    if not secret:
        return  # without a secret no row was ever written
    coalition_ids = (await session.exec(select(Coalition.id))).all()
    tokens = [token(secret, coalition_id, tg_user_id) for coalition_id in coalition_ids]
    await session.exec(delete(ConcernLimit).where(ConcernLimit.token.in_(tokens)))


def is_facilitator(member: Member | None) -> bool:
    return member is not None and member.membership.role == FACILITATOR


async def facilitated(session: AsyncSession, person: Person) -> list[tuple[Coalition, list[Concern]]]:
    """Every coalition the person facilitates, with its concerns (newest first)."""
    coalitions = [c for c, m in await member_service.coalitions_of(session, person) if m.role == FACILITATOR]
    if not coalitions:
        raise NotAllowed(N_("Only the coalition's facilitators can read anonymous concerns."))
    listing = []
    for coalition in coalitions:
        rows = await session.exec(
            select(Concern).where(Concern.coalition_id == coalition.id).order_by(Concern.number.desc())
        )
        listing.append((coalition, list(rows)))
    return listing


def parse_reference(value: str) -> int:
    match = _REFERENCE.match(western_digits(value).strip())
    if not match:
        raise InvalidInput(N_("“{value}” is not a concern number; use C4 or 4."), value=value)
    return int(match[1])


async def by_number(session: AsyncSession, coalition: Coalition, reference: str) -> Concern:
    number = parse_reference(reference)
    concern = await numbering.by_number(session, Concern, coalition.id, number)
    if concern is None:
        raise NotFound(N_("There is no concern {value} in this coalition."), value=f"C{number}")
    return concern


async def raise_concern(
    session: AsyncSession, coalition: Coalition, member: Member | None, reference: str, now: datetime
) -> tuple[Concern, Proposal]:
    """A facilitator puts a concern on the next meeting's agenda, without attribution."""
    if not is_facilitator(member):
        raise NotAllowed(N_("Only the coalition's facilitators can raise anonymous concerns."))
    concern = await by_number(session, coalition, reference)
    if concern.raised_at is not None:
        raise InvalidInput(N_("Concern {value} has already been raised."), value=f"C{concern.number}")
    concern.raised_at = now
    session.add(concern)
    text = agenda.cut(" ".join(concern.text.split()), agenda.MAX_PROPOSAL)
    proposal = await agenda.open_duplicate(session, coalition, text, now)
    if proposal is None:  # the same topic may already be proposed: it is on the agenda then
        proposal = await agenda.add_proposal(session, coalition, text, now, concern_id=concern.id)
    return concern, proposal
