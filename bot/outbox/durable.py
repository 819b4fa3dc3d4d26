"""Durable messages: rows first, Telegram after (SPEC §11).

`write` adds the row inside the transaction of the change the message reports, so the
change and its announcement commit together (`write_request` for a request that is not
text, such as a poll). After the commit `enqueue` hands the rows to the sender; each
accepted part advances `next_part` in its own small transaction, so a message interrupted
by a crash resumes at the part that failed. A delivered row is deleted; a refused one stays
(`failed`, `unreachable`) and plans the managers' notice (`services.undelivered`).

Each row is leased to the process that will send it. A process that dies stops renewing
its leases, and `resume` (at start-up and on every dispatcher look) takes over expired ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, ForceReply, InlineKeyboardMarkup
from telegram import Message as TelegramMessage

from bot.clock import Clock
from bot.models import Coalition, OutboxMessage
from bot.outbox.envelope import Call, Envelope, Job, Lane, Outcome, chat_name
from bot.outbox.sender import Sender
from bot.services import undelivered
from bot.store.database import Database

log = logging.getLogger(__name__)

Completion = Callable[[AsyncSession, int, list[TelegramMessage]], Awaitable[None]]
"""Recorded in the same transaction that deletes the delivered row, e.g. an announcement's id."""
LEASE = timedelta(seconds=60)


def _keyboard_json(keyboard: InlineKeyboardMarkup | ForceReply | None) -> str | None:
    return json.dumps(keyboard.to_dict()) if keyboard is not None else None


def _keyboard(value: str | None) -> InlineKeyboardMarkup | ForceReply | None:
    if value is None:
        return None
    data = json.loads(value)
    return ForceReply.de_json(data, None) if "force_reply" in data else InlineKeyboardMarkup.de_json(data, None)


async def _add_row(
    session: AsyncSession,
    now: datetime,
    *,
    chat_id: int,
    thread_id: int | None,
    parts: list[str],
    lane: Lane,
    coalition_id: int | None,
    completion: str | None,
    ref: int | None,
    reply_to: int | None = None,
    keyboard: str | None = None,
    request: str | None = None,
) -> OutboxMessage:
    """Adds and flushes (so it has an id) one durable row; the one place `write` and
    `write_request` build it, so the two kinds of row cannot drift apart."""
    row = OutboxMessage(
        chat_id=chat_id,
        thread_id=thread_id,
        reply_to=reply_to,
        parts=json.dumps(parts),
        keyboard=keyboard,
        request=request,
        lane=int(lane),
        completion=completion,
        ref=ref,
        coalition_id=coalition_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def write(
    session: AsyncSession,
    envelope: Envelope,
    now: datetime,
    *,
    lane: Lane = Lane.SCHEDULED,
    coalition_id: int | None = None,
    completion: str | None = None,
    ref: int | None = None,
) -> OutboxMessage:
    """The row of a durable message, in the caller's transaction (flushed: it has an id)."""
    return await _add_row(
        session,
        now,
        chat_id=envelope.chat_id,
        thread_id=envelope.thread_id,
        reply_to=envelope.reply_to,
        parts=envelope.texts(),
        keyboard=_keyboard_json(envelope.keyboard),
        lane=lane,
        coalition_id=coalition_id,
        completion=completion,
        ref=ref,
    )


REQUESTS = frozenset({"send_poll"})
"""Bot methods a durable row may name besides text (its parameters are stored as JSON)."""


async def write_request(
    session: AsyncSession,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    now: datetime,
    *,
    thread_id: int | None = None,
    lane: Lane = Lane.SCHEDULED,
    coalition_id: int | None = None,
    completion: str | None = None,
    ref: int | None = None,
) -> OutboxMessage:
    """The row of a durable request that is not text (`bot.<method>(chat_id, **params)`)."""
    if method not in REQUESTS:
        raise ValueError(f"{method} is not a request a durable message may make")
    return await _add_row(
        session,
        now,
        chat_id=chat_id,
        thread_id=thread_id,
        parts=[],
        request=json.dumps({"method": method, "params": params}),
        lane=lane,
        coalition_id=coalition_id,
        completion=completion,
        ref=ref,
    )


def _call(request: str, job: Job) -> Call:
    """A stored request, to the chat `job` is for when it leaves (a group may have migrated)."""
    stored = json.loads(request)
    method, params = stored["method"], stored["params"]

    async def call(bot: Bot) -> Any:
        return await getattr(bot, method)(job.chat_id, **params, message_thread_id=job.thread_id)

    return call


class DurableOutbox:
    """Feeds durable rows to the sender and records their progress."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        clock: Clock,
        worker: str,
        completions: Mapping[str, Completion],
        lease: timedelta = LEASE,
    ) -> None:
        self.db, self.sender, self.clock, self.worker = db, sender, clock, worker
        self.completions = completions
        self.lease = lease
        self._queued: set[int] = set()

    async def enqueue(self, ids: Sequence[int]) -> None:
        """Claim and queue rows just committed (by this process: the claim cannot fail then)."""
        await self._claim([OutboxMessage.id.in_(list(ids))])

    async def resume(self) -> int:
        """Queue every pending row whose lease has ended (a dead process's, or never claimed);
        renew the leases of the rows this process is still sending. Returns how many it took."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await session.exec(
                update(OutboxMessage)
                .where(OutboxMessage.claimed_by == self.worker, OutboxMessage.state == "pending")
                .values(lease_until=now + self.lease)
            )
        return await self._claim(
            [or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)]  # type: ignore[union-attr]
        )

    async def _claim(self, conditions: list[Any]) -> int:
        now = self.clock.now()
        async with self.db.transaction() as session:
            rows = (
                await session.exec(
                    select(OutboxMessage)
                    .where(OutboxMessage.state == "pending", *conditions)
                    .order_by(OutboxMessage.id)
                )
            ).all()
            rows = [row for row in rows if row.id not in self._queued]
            if rows:
                await session.exec(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([row.id for row in rows]), OutboxMessage.state == "pending")
                    .values(claimed_by=self.worker, lease_until=now + self.lease)
                )
        for row in rows:
            self._queue(row)
        return len(rows)

    def _queue(self, row: OutboxMessage) -> None:
        row_id = row.id
        self._queued.add(row_id)
        sent_ids: list[int] = json.loads(row.sent_ids)
        job = Job(
            row.chat_id,
            Lane(row.lane),
            texts=json.loads(row.parts),
            keyboard=_keyboard(row.keyboard),
            thread_id=row.thread_id,
            reply_to=row.reply_to,
            next_part=row.next_part,
            label=f"durable message {row_id}",
        )
        if row.request is not None:
            job.call = _call(row.request, job)

        async def on_part(index: int, message: TelegramMessage) -> None:
            sent_ids.append(message.message_id)
            async with self.db.transaction() as session:
                await session.exec(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id)
                    .values(next_part=index + 1, sent_ids=json.dumps(sent_ids), chat_id=message.chat_id)
                )

        job.on_part = on_part
        future = self.sender.submit(job)
        future.add_done_callback(lambda f: self.sender.spawn(self._done(row, job, f.result())))

    async def _done(self, row: OutboxMessage, job: Job, outcome: Outcome) -> None:
        self._queued.discard(row.id)
        async with self.db.transaction() as session:
            if outcome is Outcome.SENT:
                completion = self.completions.get(row.completion or "")
                if completion is not None and row.ref is not None:
                    await completion(session, row.ref, job.results)
                await session.exec(delete(OutboxMessage).where(OutboxMessage.id == row.id))
                return
            await session.exec(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(state=outcome.value, error=outcome.value, lease_until=None)
            )
            coalition = await session.get(Coalition, row.coalition_id) if row.coalition_id else None
            if coalition is not None:
                await undelivered.plan_notice(session, coalition, self.clock.now())
        log.warning("durable message %s to %s not delivered: %s", row.id, chat_name(row.chat_id), outcome.value)
