"""Dialog state in the database (SPEC §3 "Dialog state"): the steps of /meeting and /report
and pending confirmations, one `DialogState` row per chat, person and dialog.

Each step reads and writes the row in the handler's own transaction, so a restart loses
nothing and any instance can take the next step. A row expires `TTL` after its last step.
A finished dialog keeps its row (step `DONE`) until then, so an edit of its last answer is
still recognised as an edited dialog answer (SPEC §3 "Edits").
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import DialogState

TTL = timedelta(minutes=15)
DONE = "done"
_ANSWERS = "answers"
_KEPT_ANSWERS = 32


async def waiting(
    session: AsyncSession, chat_id: int, tg_user_id: int, names: Collection[str], now: datetime
) -> DialogState | None:
    """The dialog (one of `names`) of this person in this chat that waits for a text answer."""
    return (
        await session.exec(
            select(DialogState)
            .where(
                DialogState.chat_id == chat_id,
                DialogState.tg_user_id == tg_user_id,
                DialogState.name.in_(list(names)),
                DialogState.step != DONE,
                DialogState.expires_at > now,
            )
            .order_by(DialogState.expires_at.desc())
        )
    ).first()


async def get(session: AsyncSession, chat_id: int, tg_user_id: int, name: str, now: datetime) -> DialogState | None:
    """One dialog's live row (a pending confirmation, say), or None once it has expired."""
    row = await session.get(DialogState, (chat_id, tg_user_id, name))
    return row if row is not None and row.expires_at > now and row.step != DONE else None


async def save(
    session: AsyncSession,
    chat_id: int,
    tg_user_id: int,
    name: str,
    step: str,
    data: dict,
    now: datetime,
    answer_id: int | None = None,
) -> DialogState:
    """Write the dialog's next step (and the id of the message that answered this one)."""
    row = await session.get(DialogState, (chat_id, tg_user_id, name))
    if row is None:
        row = DialogState(chat_id=chat_id, tg_user_id=tg_user_id, name=name, step=step, data={}, expires_at=now)
    answers = list(row.data.get(_ANSWERS, []))
    if answer_id is not None:
        answers = [*answers, answer_id][-_KEPT_ANSWERS:]
    row.step, row.data, row.expires_at = step, {**data, _ANSWERS: answers}, now + TTL
    session.add(row)
    return row


async def finish(session: AsyncSession, row: DialogState, now: datetime, answer_id: int | None = None) -> None:
    """The dialog is over; its answers stay recognisable until the row expires."""
    await save(session, row.chat_id, row.tg_user_id, row.name, DONE, {}, now, answer_id)


async def stop(session: AsyncSession, chat_id: int, tg_user_id: int, now: datetime) -> list[str]:
    """`/cancel`: end every live dialog of this person here; the names of those ended."""
    rows = (
        await session.exec(
            select(DialogState).where(
                DialogState.chat_id == chat_id,
                DialogState.tg_user_id == tg_user_id,
                DialogState.step != DONE,
                DialogState.expires_at > now,
            )
        )
    ).all()
    for row in rows:
        await finish(session, row, now)
    return [row.name for row in rows]


async def was_answer(session: AsyncSession, chat_id: int, tg_user_id: int, message_id: int, now: datetime) -> bool:
    rows = (
        await session.exec(
            select(DialogState).where(
                DialogState.chat_id == chat_id, DialogState.tg_user_id == tg_user_id, DialogState.expires_at > now
            )
        )
    ).all()
    return any(message_id in row.data.get(_ANSWERS, []) for row in rows)


async def sweep(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(DialogState).where(DialogState.expires_at <= now))
