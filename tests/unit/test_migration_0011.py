"""Revision 0011 on a database that already holds concerns (SPEC §8 "on upgrade"): every old
limiter row goes, concerns keep only their day, finished concern deliveries go, existing
facilitators keep reading every concern."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.store.database import Database
from bot.store.migrate import alembic_config

PARENT = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0011").down_revision
"""The revision 0011 follows (the coordinator re-chains it as others land)."""


async def _to(db: Database, revision: str) -> None:
    def run(connection) -> None:
        config = alembic_config(str(db.engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def test_upgrade_forgets_the_old_limiter_and_coarsens_concern_times(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await _to(db, PARENT)
    async with db.engine.begin() as c:
        await c.execute(
            text(
                "INSERT INTO coalition (id, chat_id, title, country, timezone, languages, cadence_months, "
                "reminder_offsets, created_at) VALUES (1, -100, 'g', 'Lebanon', 'UTC', 'en', 6, '14d', "
                "'2026-11-01 08:00:00')"
            )
        )
        await c.execute(
            text("INSERT INTO person (id, tg_user_id, full_name, can_message, unreachable) VALUES (1, 10, 'F', 1, 0)")
        )
        await c.execute(
            text(
                "INSERT INTO membership (id, coalition_id, person_id, role, joined_at) "
                "VALUES (1, 1, 1, 'facilitator', '2026-11-02 09:00:00')"
            )
        )
        await c.execute(
            text(
                "INSERT INTO concern (id, coalition_id, number, text, created_at) VALUES (1, 1, 1, 'x', '2026-11-27 14:03:22')"
            )
        )
        await c.execute(text("INSERT INTO concern_limit (id, token, at) VALUES (1, 'abc', '2026-11-27 14:03:22')"))
        for rid, state in ((1, "done"), (2, "pending")):
            await c.execute(
                text(
                    "INSERT INTO reminder (id, key, coalition_id, kind, subject_id, label, due_at, state, note) "
                    f"VALUES ({rid}, 'concern:{rid}', 1, 'concern', 1, '', '2026-11-27 14:03:22', '{state}', '')"
                )
            )
        await c.execute(
            text(
                "INSERT INTO delivery (id, reminder_id, recipient, state, attempts) VALUES (1, 1, 'person:1', 'sent', 1)"
            )
        )
    await _to(db, "head")
    async with db.engine.connect() as c:
        assert (await c.execute(text("SELECT count(*) FROM concern_limit"))).scalar() == 0
        assert str((await c.execute(text("SELECT created_at FROM concern"))).scalar()).startswith("2026-11-27 00:00:00")
        assert (await c.execute(text("SELECT id, due_at FROM reminder"))).all()[0][0] == 2
        assert str((await c.execute(text("SELECT due_at FROM reminder"))).scalar()).startswith("2026-11-27 00:00:00")
        assert (await c.execute(text("SELECT count(*) FROM delivery"))).scalar() == 0
        since, after = (await c.execute(text("SELECT facilitator_since, concerns_after FROM membership"))).one()
        assert str(since).startswith("2026-11-02 09:00:00") and after is None
    await _to(db, PARENT)  # and back down
    await db.dispose()
