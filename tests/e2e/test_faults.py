"""Faults: a crash after a write leaves nothing behind; the database going away and coming back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.models import Membership
from bot.store.database import Database
from tests.conftest import PG_URL
from tests.e2e.conftest import ADMIN, GROUP, JOHN, SALIM


async def _memberships(bot):
    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        rows = list((await s.exec(select(Membership))).all())
    await db.dispose()
    return rows


async def test_a_crash_after_a_write_stores_nothing(coalition, monkeypatch):
    bot = coalition
    from bot.runtime.admins import AdminCache

    async def broken(*args, **kwargs):
        raise RuntimeError("the process dies after the membership row was written")

    before = len(await _memberships(bot))
    monkeypatch.setattr(AdminCache, "admins", broken)  # called by /join after its write
    reply = await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    assert "Sorry" in reply.text
    assert len(await _memberships(bot)) == before  # the whole command was one transaction


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: an SQLite file has no server connections to lose")
async def test_the_bot_reconnects_after_the_database_drops_its_connections(coalition):
    bot = coalition
    await bot.say(JOHN, JOHN, "/start")
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring")
    admin = Database(bot.settings.database_url)
    async with admin.engine.connect() as conn:  # what a server restart does to every client
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await conn.commit()
    await admin.dispose()
    reply = await bot.say(GROUP, ADMIN, "/members")
    assert "John" in reply.text
    bot.clock.set(datetime(2027, 4, 8, 6, 30, tzinfo=UTC) + timedelta(seconds=1))
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(JOHN) if "⏰" in m.text]) == 1
