"""Upserts built once per database: `INSERT … ON CONFLICT`, whose SQL differs by dialect.

Both SQLite and PostgreSQL have it, but SQLAlchemy builds it through each dialect's own
`insert`. The statements that run on every update are built here once, with bound
parameters, because building a statement costs about as much as running it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.dml import Insert
from sqlmodel.ext.asyncio.session import AsyncSession

Upsert = dict[str, Insert]


def build(make: Callable[[Callable[..., Insert]], Insert]) -> Upsert:
    """`make(insert)` once with each dialect's `insert` function."""
    return {module.dialect.name: make(module.insert) for module in (postgresql, sqlite)}


async def run(session: AsyncSession, upsert: Upsert, **params: Any) -> int:
    """Run the upsert in the session's transaction; returns how many rows it wrote."""
    result: CursorResult = await session.exec(upsert[session.bind.dialect.name], params=params)
    return result.rowcount
