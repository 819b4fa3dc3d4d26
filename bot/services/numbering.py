"""Per-coalition numbers of numbered rows (`M2`, `AP3`, `P5`, `C4`).

Each numbered model has `coalition_id` and `number` columns; the number counts up within
a coalition. Parsing a reference and the messages for a bad or unknown one stay with each
area, which knows its own prefix.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row")


async def next_number(session: AsyncSession, model: type, coalition_id: int) -> int:
    """The next per-coalition number of a numbered row (`P5`, `C4`)."""
    last = (await session.exec(select(func.max(model.number)).where(model.coalition_id == coalition_id))).one()
    return (last or 0) + 1


async def by_number(session: AsyncSession, model: type[Row], coalition_id: int, number: int) -> Row | None:
    """The row of `model` with this number in the coalition, or None."""
    return (await session.exec(select(model).where(model.coalition_id == coalition_id, model.number == number))).first()
