"""The reminder engine's rules (SPEC §6): what is due, who claims it, who has been served.

Guarantees, and how they are kept:

* Nothing lost: reminders are rows written in the same transaction as the meeting change
  that causes them; a dispatcher looks for due rows at start-up and every few seconds.
* Nothing repeated: a dispatcher *claims* a row with a compare-and-set UPDATE (and, on
  PostgreSQL, `FOR UPDATE SKIP LOCKED` so two processes never even wait on the same row);
  each recipient gets a `Delivery` row committed *before* the message is sent, and a
  recipient with a Delivery row is never sent to again.
* The one unavoidable window: a process killed after Telegram accepted a message but before
  the Delivery row was marked `sent` leaves it `sending`; it is then never retried (at most
  once). Sends are sequential, so that window covers a single message.
* A claim is a lease: a process that dies mid fan-out stops renewing it, and after
  `LEASE` another dispatcher resumes the row, skipping everyone already served.
* Rows that may keep no time finer than the day (`TIMELESS`: an anonymous concern's
  delivery, SPEC §8) get no lease time, no sending times and no note: their claim lasts as
  long as the claimer's heartbeat (`services.workers`), and once sent they are deleted with
  their deliveries in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, func, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition, Delivery, Meeting, Reminder
from bot.services import upserts, workers
from bot.services.kinds import Kind

LEASE = timedelta(seconds=60)
"""Default claim lease; `REMINDER_LEASE_SECONDS` overrides it."""
LATE = timedelta(minutes=5)
"""A reminder leaving more than this after its due time is reported to managers as late."""
GROUP = "group"
NOT_HELD = frozenset({Kind.ERASE})
"""Kinds that run while their coalition is paused (the bot out of its group, SPEC §3): an
erasure that was announced happens on its day, wherever the bot is; everything else waits."""
SUPERSEDED_BY_LATER = frozenset({Kind.EXTENSION_DUE})
"""Kinds of which, like meeting reminders, only the latest of several due at once is sent
(the countdowns to an extension request's submission date)."""
TIMELESS = frozenset({Kind.CONCERN})
"""Kinds whose rows keep no time finer than the day (SPEC §8): leased by heartbeat, deleted once sent."""


def timeless(reminder: Reminder) -> bool:
    return reminder.kind in TIMELESS


def stamp(reminder: Reminder, moment: datetime) -> datetime | None:
    """The time to record about `reminder` (a lease's end, a delivery's): none for `TIMELESS` rows."""
    return None if timeless(reminder) else moment


def person_recipient(person_id: int) -> str:
    return f"person:{person_id}"


_ONCE = upserts.build(
    lambda insert: (
        insert(Reminder.__table__)
        .values({column.name: bindparam(column.name) for column in Reminder.__table__.c if column.name != "id"})
        .on_conflict_do_nothing(index_elements=["key"])
    )
)


async def plan_once(session: AsyncSession, reminder: Reminder) -> bool:
    """Insert the row unless one with its key exists (another process, or a replay, planned it
    first); True when inserted. Every column but `id` is taken from `reminder`, defaults included;
    the row is not added to the session, so `reminder.id` stays unset."""
    return await upserts.run(session, _ONCE, **reminder.model_dump(exclude={"id"})) == 1


def row(
    key: str, coalition: Coalition, kind: Kind, due: datetime, meeting: Meeting | None = None, label: str = ""
) -> Reminder:
    return Reminder(
        key=key,
        coalition_id=coalition.id,
        kind=kind,
        meeting_id=meeting.id if meeting else None,
        label=label,
        due_at=due,
    )


async def claim_due(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta = LEASE, limit: int = 50
) -> list[Reminder]:
    """Claim due reminders (pending, or sending with an expired lease) for `worker`; those of a
    paused coalition stay where they are (held) until it resumes."""
    paused = select(Coalition.id).where(Coalition.paused_at.is_not(None))
    candidates = (
        select(Reminder.id, Reminder.kind)
        .where(
            Reminder.due_at <= now,
            _claimable(now),
            or_(Reminder.coalition_id.not_in(paused), Reminder.kind.in_(NOT_HELD)),
        )
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for reminder_id, kind in (await session.exec(candidates)).all():
        until = None if kind in TIMELESS else now + lease
        result = await session.exec(
            update(Reminder)
            .where(Reminder.id == reminder_id, _claimable(now))
            .values(state="sending", claimed_by=worker, lease_until=until)
        )
        if result.rowcount == 1:
            claimed.append(reminder_id)
    if not claimed:
        return []
    rows = await session.exec(select(Reminder).where(Reminder.id.in_(claimed)).order_by(Reminder.due_at))
    return list(rows)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, or sending for a claimer whose lease (or, without one, whose heartbeat) has ended."""
    sending = Reminder.state == "sending"
    return or_(
        Reminder.state == "pending",
        sending & (Reminder.lease_until < now),
        sending & Reminder.lease_until.is_(None) & Reminder.claimed_by.not_in(workers.alive(now)),
    )


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending reminder falls due (None: nothing is planned)."""
    return (await session.exec(select(func.min(Reminder.due_at)).where(Reminder.state == "pending"))).one()


async def renew(
    session: AsyncSession, reminder: Reminder, worker: str, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Extend a claim; False if another worker has taken the row over (stop sending then)."""
    result = await session.exec(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.claimed_by == worker, Reminder.state == "sending")
        .values(lease_until=stamp(reminder, now + lease))
    )
    return result.rowcount == 1


async def finish(
    session: AsyncSession, reminder: Reminder, worker: str, now: datetime, state: str, note: str = ""
) -> None:
    """The reminder's outcome; a `TIMELESS` one is deleted instead, with its deliveries."""
    mine = (Reminder.id == reminder.id) & (Reminder.claimed_by == worker)
    if timeless(reminder):
        owned = select(Reminder.id).where(mine)
        await session.exec(delete(Delivery).where(Delivery.reminder_id.in_(owned)))
        await session.exec(delete(Reminder).where(mine))
        return
    await session.exec(update(Reminder).where(mine).values(state=state, finished_at=now, note=note, lease_until=None))


async def served(session: AsyncSession, reminder_id: int) -> set[str]:
    """Recipients that were sent to, or possibly sent to (not those only queued)."""
    rows = await session.exec(
        select(Delivery.recipient).where(Delivery.reminder_id == reminder_id, Delivery.state != "queued")
    )
    return set(rows.all())


async def queue_deliveries(session: AsyncSession, reminder_id: int, recipients: list[str]) -> list[int]:
    """Rows for recipients about to be handed to the sender, in order (rows a crash left
    `queued` are reused); returns their ids."""
    existing = {
        d.recipient: d.id
        for d in (await session.exec(select(Delivery).where(Delivery.reminder_id == reminder_id))).all()
    }
    fresh = [Delivery(reminder_id=reminder_id, recipient=r, state="queued") for r in recipients if r not in existing]
    session.add_all(fresh)
    await session.flush()
    existing.update({d.recipient: d.id for d in fresh})
    return [existing[r] for r in recipients]


async def begin_delivery(session: AsyncSession, delivery_id: int) -> None:
    """Committed just before the request leaves: from now on it is never sent again."""
    await session.exec(
        update(Delivery).where(Delivery.id == delivery_id).values(state="sending", attempts=Delivery.attempts + 1)
    )


async def end_delivery(session: AsyncSession, delivery_id: int, state: str, at: datetime | None) -> None:
    """A recipient's outcome; `at` (None for `TIMELESS` reminders, see `stamp`) when it was sent."""
    await session.exec(
        update(Delivery).where(Delivery.id == delivery_id).values(state=state, sent_at=at if state == "sent" else None)
    )


@dataclass(frozen=True)
class Lateness:
    """How a due reminder stands when a dispatcher picks it up."""

    late: bool
    expired: bool  # the meeting has started: the reminder is pointless now
    superseded: bool = False  # a later reminder of the same meeting is due too: send only that one

    @property
    def dropped(self) -> bool:
        return self.expired or self.superseded


def lateness(reminder: Reminder, meeting: Meeting | None, now: datetime, superseded: bool = False) -> Lateness:
    expired = reminder.kind == Kind.MEETING and (meeting is None or meeting.cancelled or meeting.starts_at <= now)
    return Lateness(late=now - reminder.due_at > LATE, expired=expired, superseded=superseded)


async def is_superseded(session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
    """After downtime several reminders of one meeting (or of one extension request's
    submission date) may be due at once; only the last matters, so it alone is sent."""
    if reminder.kind == Kind.MEETING:
        same = Reminder.meeting_id == reminder.meeting_id
    elif reminder.kind in SUPERSEDED_BY_LATER:
        same = Reminder.subject_id == reminder.subject_id
    else:
        return False
    later = await session.exec(
        select(Reminder.id).where(
            same,
            Reminder.kind == reminder.kind,
            Reminder.due_at > reminder.due_at,
            Reminder.due_at <= now,
            Reminder.state.in_(("pending", "sending", "done")),
        )
    )
    return later.first() is not None
