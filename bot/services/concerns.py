"""Anonymous concerns (SPEC §8): operators raise sensitive issues through the facilitators.

The promise: once the abuse-limit window has passed, nobody (facilitator, or whoever holds
the database, the logs, the backups and the configuration) can tell who sent a concern.

- The concern row holds the coalition, a number, the text and its UTC day (`day_of`);
  delivery is a `Reminder` of kind `concern`, written in the same transaction (a durable
  message: a crash or an outage only delays it), due at that day's start and naming only the
  concern. It keeps no other time: it is leased through its dispatcher's heartbeat, not
  until a given second, its deliveries record no sending time, and it is deleted with them
  as soon as it has been sent (`services.reminders.TIMELESS`).
- Abuse limiting: at most `LIMIT` concerns per member and coalition in 24 hours. Each
  accepted concern leaves one `ConcernLimit` row: HMAC-SHA256 under a random 256-bit key of
  the current 24-hour epoch (`LimiterKeys`, process memory only, never the database or the
  configuration) of coalition, Telegram user id and a slot number, and the hour it expires.
  The previous epoch's key is kept until its entries have expired, so the count is exact over
  any 24 hours; housekeeping deletes a row when its hour has passed. A restart (or another
  instance) has other keys and cannot count a member's earlier concerns, so every instance
  also respects a per-coalition cap (`COALITION_LIMIT` in 24 hours, `ConcernQuota` rows
  that name no sender). No key is ever shared through configuration: a shared key plus a
  same-day backup would name the sender.
- `/forgetme` leaves the limiter rows alone: they name nobody, and erasing them would reset
  the abuse limit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition, Concern, ConcernLimit, ConcernQuota, Membership, Person, Proposal, Reminder
from bot.services import agenda, numbering, recipients, upserts
from bot.services import members as member_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.parsing import western_digits

log = logging.getLogger(__name__)

FACILITATOR = "facilitator"
FACILITATORS = frozenset({FACILITATOR})
LIMIT = 5
COALITION_LIMIT = 20
WINDOW = timedelta(hours=24)
EPOCH_SECONDS = 24 * 3600
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


class LimiterKeys:
    """The limiter's keys: one random 256-bit key per 24-hour epoch, in this process only.

    The key of the epoch before is kept (its entries expire during the current epoch); older
    keys are forgotten. Nothing else ever sees them: not the database, the log or the
    configuration.
    """

    def __init__(self) -> None:
        self._keys: dict[int, bytes] = {}

    def keys(self, now: datetime) -> list[bytes]:
        """The current epoch's key first, then the previous one if this process has it."""
        epoch = int(now.timestamp()) // EPOCH_SECONDS
        if epoch not in self._keys:
            if not self._keys:
                log.info("anonymous concerns: new limiter key in memory; earlier concerns are not counted per member")
            self._keys[epoch] = secrets.token_bytes(32)
        for old in [e for e in self._keys if e < epoch - 1]:
            del self._keys[old]
        return [self._keys[e] for e in (epoch, epoch - 1) if e in self._keys]


def token(key: bytes, coalition_id: int, tg_user_id: int, slot: int) -> str:
    """One limiter entry: meaningless without the key, different per coalition and slot."""
    return hmac.new(key, f"{coalition_id}:{tg_user_id}:{slot}".encode(), hashlib.sha256).hexdigest()


def day_of(now: datetime) -> datetime:
    """The start of the UTC day: the only time a concern or its delivery keeps."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def expiry_hour(now: datetime) -> datetime:
    """When an entry made now leaves the window: 24 hours later, rounded up to the hour."""
    end = now.astimezone(UTC) + WINDOW
    hour = end.replace(minute=0, second=0, microsecond=0)
    return hour if hour == end else hour + timedelta(hours=1)


async def facilitators(session: AsyncSession, coalition_id: int) -> list[Member]:
    return await recipients.active_members(session, coalition_id, FACILITATORS)


def receives(member: Member, concern: Concern) -> bool:
    """A facilitator receives and reads only concerns sent after they took the role."""
    after = member.membership.concerns_after
    return after is None or concern.number > after


async def _sender_entries(
    session: AsyncSession, keys: LimiterKeys, coalition_id: int, tg_user_id: int, now: datetime
) -> tuple[dict[str, bool], set[str]]:
    """The sender's possible tokens (True: under the current key) and those in the window;
    refuses when the window already holds `LIMIT` of them."""
    current, *previous = keys.keys(now)
    candidates = {
        token(key, coalition_id, tg_user_id, slot): key is current
        for key in (current, *previous)
        for slot in range(LIMIT)
    }
    query = select(ConcernLimit.token).where(ConcernLimit.token.in_(list(candidates)), ConcernLimit.expires_at > now)
    present = set((await session.exec(query)).all())
    if len(present) >= LIMIT:
        raise NotAllowed(
            N_(
                "You have already sent {limit} concerns to this coalition in the last 24 hours. "
                "Please wait before sending another."
            ),
            limit=LIMIT,
        )
    return candidates, present


async def _take_sender_slot(
    session: AsyncSession, keys: LimiterKeys, coalition_id: int, tg_user_id: int, now: datetime
) -> None:
    candidates, present = await _sender_entries(session, keys, coalition_id, tg_user_id, now)
    free = next(t for t, is_current in candidates.items() if is_current and t not in present)
    await session.exec(delete(ConcernLimit).where(ConcernLimit.token == free))  # expired, not yet swept
    session.add(ConcernLimit(token=free, expires_at=expiry_hour(now)))


def _coalition_full(coalition: Coalition) -> NotAllowed:
    return NotAllowed(
        N_(
            "The Country Coalition of {country} has received {limit} concerns in the last 24 hours, "
            "the most it accepts. Please try again later."
        ),
        country=coalition.country,
        limit=COALITION_LIMIT,
    )


_QUOTA = upserts.build(
    lambda insert: (
        insert(ConcernQuota.__table__)
        .values(coalition_id=bindparam("coalition_id"), slot=bindparam("slot"), expires_at=bindparam("expires_at"))
        .on_conflict_do_nothing()
    )
)


async def _take_coalition_slot(session: AsyncSession, coalition: Coalition, now: datetime) -> None:
    """One of the coalition's `COALITION_LIMIT` slots; two instances never take the same one."""
    await session.exec(
        delete(ConcernQuota).where(ConcernQuota.coalition_id == coalition.id, ConcernQuota.expires_at <= now)
    )
    taken = set((await session.exec(select(ConcernQuota.slot).where(ConcernQuota.coalition_id == coalition.id))).all())
    for slot in range(COALITION_LIMIT):
        if slot not in taken and await upserts.run(
            session, _QUOTA, coalition_id=coalition.id, slot=slot, expires_at=expiry_hour(now)
        ):
            return
    raise _coalition_full(coalition)


async def recipients_of(session: AsyncSession, coalition: Coalition) -> list[Member]:
    """Who will receive a concern sent now (shown to the sender first), or a refusal."""
    members = await facilitators(session, coalition.id)
    if not members:
        raise NotFound(
            N_(
                "The Country Coalition of {country} has no facilitator yet, so nobody can receive the concern. "
                "Nothing was sent or stored."
            ),
            country=coalition.country,
        )
    return members


async def check(
    session: AsyncSession, coalition: Coalition, sender_tg_id: int, keys: LimiterKeys, now: datetime
) -> list[Member]:
    """Before showing the recipients: refuse now what `submit` would refuse; writes nothing."""
    members = await recipients_of(session, coalition)
    await _sender_entries(session, keys, coalition.id, sender_tg_id, now)
    live = select(func.count()).where(ConcernQuota.coalition_id == coalition.id, ConcernQuota.expires_at > now)
    if (await session.exec(live)).one() >= COALITION_LIMIT:
        raise _coalition_full(coalition)
    return members


async def submit(
    session: AsyncSession, coalition: Coalition, sender_tg_id: int, text: str, keys: LimiterKeys, now: datetime
) -> Concern:
    """Store a concern and plan its delivery; the sender's id only ever enters the keyed hash."""
    text = clean_text(text)
    await recipients_of(session, coalition)
    await _take_sender_slot(session, keys, coalition.id, sender_tg_id, now)
    await _take_coalition_slot(session, coalition, now)
    number = await numbering.next_number(session, Concern, coalition.id)
    concern = Concern(coalition_id=coalition.id, number=number, text=text, created_at=day_of(now))
    session.add(concern)
    await session.flush()
    session.add(
        Reminder(
            key=f"{Kind.CONCERN}:{concern.id}",
            coalition_id=coalition.id,
            kind=Kind.CONCERN,
            subject_id=concern.id,
            due_at=day_of(now),
        )
    )
    await session.flush()
    return concern


async def sweep(session: AsyncSession, now: datetime) -> None:
    """Housekeeping: limiter and quota entries whose hour has passed."""
    await session.exec(delete(ConcernLimit).where(ConcernLimit.expires_at <= now))
    await session.exec(delete(ConcernQuota).where(ConcernQuota.expires_at <= now))


async def note_role(session: AsyncSession, membership: Membership, now: datetime) -> None:
    """After a role change: a new facilitator reads only concerns sent from now on."""
    if membership.role == FACILITATOR and membership.facilitator_since is None:
        last = (
            await session.exec(select(func.max(Concern.number)).where(Concern.coalition_id == membership.coalition_id))
        ).one()
        membership.facilitator_since, membership.concerns_after = now, last or 0
    elif membership.role != FACILITATOR and membership.facilitator_since is not None:
        membership.facilitator_since = membership.concerns_after = None
    session.add(membership)


def is_facilitator(member: Member | None) -> bool:
    return member is not None and member.membership.role == FACILITATOR


async def facilitated(session: AsyncSession, person: Person) -> list[tuple[Coalition, list[Concern]]]:
    """Every coalition the person facilitates, with the concerns sent since they took the role
    (newest first)."""
    coalitions = [(c, m) for c, m in await member_service.coalitions_of(session, person) if m.role == FACILITATOR]
    if not coalitions:
        raise NotAllowed(N_("Only the coalition's facilitators can read anonymous concerns."))
    listing = []
    for coalition, membership in coalitions:
        query = select(Concern).where(Concern.coalition_id == coalition.id).order_by(Concern.number.desc())
        if membership.concerns_after is not None:
            query = query.where(Concern.number > membership.concerns_after)
        listing.append((coalition, list(await session.exec(query))))
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
