"""Revision 0010 on a database that already holds organisations under several spellings (SPEC §3
"on upgrade"): one organisation row per key named by the earliest spelling, every reference
rewritten to it, same-month reports reduced to the later (the other archived), every claim kept
as confirmed, and one review reminder per coalition with claims — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.store.database import Database
from bot.store.migrate import alembic_config, upgrade
from tests.conftest import database_url

PARENT = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0010").down_revision
"""The revision 0010 follows (the coordinator re-chains it as others land)."""


async def _to(db: Database, revision: str, direction=command.upgrade) -> None:
    def run(connection) -> None:
        config = alembic_config(str(db.engine.url))
        config.attributes["connection"] = connection
        direction(config, revision)

    async with db.engine.begin() as connection:
        if db.is_sqlite:  # as `migrate.upgrade` does: a batch migration recreates tables
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.run_sync(run)


async def _reset(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 0)


def _rows(connection, table: str, *columns: str, order: str = "id") -> list[tuple]:
    names = ", ".join(columns)
    return [tuple(row) for row in connection.execute(text(f"SELECT {names} FROM {table} ORDER BY {order}"))]


def _fill(connection) -> None:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    t = metadata.tables
    connection.execute(
        t["coalition"].insert(),
        [
            {"id": cid, "chat_id": -100 - cid, "title": "g", "country": country, "timezone": "UTC", "languages": "en",
             "cadence_months": 6, "reminder_offsets": "14d", "created_at": _at(1), "public": False, "network": False}
            for cid, country in ((1, "Lebanon"), (2, "Laos"), (3, "Chad"))
        ],
    )  # fmt: skip
    connection.execute(
        t["person"].insert(),
        [{"id": i, "tg_user_id": 10 + i, "full_name": f"P{i}", "can_message": True, "unreachable": False}
         for i in range(1, 6)],
    )  # fmt: skip
    connection.execute(
        t["membership"].insert(),
        [
            {"id": 1, "coalition_id": 1, "person_id": 1, "role": "operator", "organisation": "NPA", "joined_at": _at(2)},
            {"id": 2, "coalition_id": 1, "person_id": 2, "role": "operator", "organisation": "npa ", "joined_at": _at(3)},
            {"id": 3, "coalition_id": 1, "person_id": 3, "role": "national_authority", "organisation": None,
             "joined_at": _at(1)},
            {"id": 4, "coalition_id": 1, "person_id": 4, "role": "observer", "organisation": "  ", "joined_at": _at(4)},
            {"id": 5, "coalition_id": 2, "person_id": 1, "role": "operator", "organisation": "Npa", "joined_at": _at(5)},
            {"id": 6, "coalition_id": 3, "person_id": 5, "role": "observer", "organisation": None, "joined_at": _at(5)},
        ],
    )  # fmt: skip
    figures = {"cancelled": 0, "reduced": 0, "cmr": 0, "submunitions": 0, "re_sessions": 0, "re_people": 0, "found": 0}
    connection.execute(
        t["progress_report"].insert(),
        [
            {"id": 1, "coalition_id": 1, "organisation": "NPA", "period": "2026-10", "cleared": 38000,
             "reported_by": 1, "reported_at": _at(6), **figures},
            {"id": 2, "coalition_id": 1, "organisation": "npa", "period": "2026-10", "cleared": 38000,
             "reported_by": 2, "reported_at": _at(7), **figures},
            {"id": 3, "coalition_id": 1, "organisation": "npa", "period": "2026-09", "cleared": 1000,
             "reported_by": 2, "reported_at": _at(7), **figures},
            {"id": 4, "coalition_id": 2, "organisation": "Npa", "period": "2026-10", "cleared": 5,
             "reported_by": 1, "reported_at": _at(8), **figures},
        ],
    )  # fmt: skip
    connection.execute(
        t["action_point"].insert(),
        [
            {"id": 1, "coalition_id": 1, "number": 1, "text": "x", "owner_kind": "organisation", "owner_name": "NPA",
             "status": "open", "created_at": _at(1, 8), "updated_at": _at(1, 8)},
            {"id": 2, "coalition_id": 1, "number": 2, "text": "y", "owner_kind": "role", "owner_name": "operator",
             "status": "open", "created_at": _at(1), "updated_at": _at(1)},
            {"id": 3, "coalition_id": 1, "number": 3, "text": "z", "owner_kind": "organisation",
             "owner_name": "Embassy of  Norway", "status": "open", "created_at": _at(9), "updated_at": _at(9)},
        ],
    )  # fmt: skip
    connection.execute(
        t["need"].insert(),
        [{"id": 1, "coalition_id": 1, "number": 1, "title": "Survey", "priority": "high", "created_at": _at(1)}],
    )
    connection.execute(
        t["pledge"].insert(),
        [{"id": 1, "coalition_id": 1, "need_id": 1, "number": 1, "organisation": "embassy of norway", "in_kind": "",
          "note": "", "state": "pledged", "disbursed": 0, "reason": "", "pledged_at": _at(10), "revision": 1}],
    )  # fmt: skip


async def test_spellings_merge_into_the_earliest_and_claims_stay_confirmed(tmp_path) -> None:
    db = Database(database_url(tmp_path))
    try:
        if not db.is_sqlite:
            await _reset(db)
        await _to(db, PARENT)
        async with db.engine.begin() as connection:
            await connection.run_sync(_fill)
        await _to(db, "head")
        async with db.engine.connect() as c:
            organisations = await c.run_sync(
                lambda s: _rows(s, "organisation", "coalition_id", "name", "key", order="coalition_id, key")
            )
            assert organisations == [
                (1, "Embassy of Norway", "embassy of norway"),  # the action point came first, spaces collapsed
                (1, "NPA", "npa"),
                (2, "Npa", "npa"),  # another coalition keeps its own spelling
            ]
            members = await c.run_sync(lambda s: _rows(s, "membership", "id", "organisation"))
            assert members == [(1, "NPA"), (2, "NPA"), (3, None), (4, None), (5, "Npa"), (6, None)]
            confirmed = await c.run_sync(
                lambda s: _rows(s, "membership", "id", "organisation_confirmed_by", order="id")
            )
            assert all(by is None for _, by in confirmed)
            at = await c.run_sync(lambda s: _rows(s, "membership", "organisation_confirmed_at"))
            assert [value is not None for (value,) in at] == [True, True, False, False, True, False]
            reports = await c.run_sync(lambda s: _rows(s, "progress_report", "id", "organisation", "period", "cleared"))
            assert reports == [(2, "NPA", "2026-10", 38000), (3, "NPA", "2026-09", 1000), (4, "Npa", "2026-10", 5)]
            archived = await c.run_sync(
                lambda s: _rows(s, "archived_report", "coalition_id", "organisation", "period", "cleared", "kept_id")
            )
            assert archived == [(1, "NPA", "2026-10", 38000, 2)]  # the earlier of the two October reports
            owners = await c.run_sync(lambda s: _rows(s, "action_point", "owner_name"))
            assert owners == [("NPA",), ("operator",), ("Embassy of Norway",)]
            assert await c.run_sync(lambda s: _rows(s, "pledge", "organisation")) == [("Embassy of Norway",)]
            reviews = await c.run_sync(lambda s: _rows(s, "reminder", "key", "coalition_id", "kind", "state"))
            assert reviews == [
                ("organisations:1", 1, "organisations", "pending"),
                ("organisations:2", 2, "organisations", "pending"),
            ]  # Chad has no claim: nothing to review
        await _to(db, PARENT, command.downgrade)  # and back down
        async with db.engine.connect() as c:
            assert await c.run_sync(lambda s: _rows(s, "reminder", "key")) == []
            assert (await c.run_sync(lambda s: _rows(s, "membership", "organisation")))[0] == ("NPA",)
    finally:
        if not db.is_sqlite:  # leave the shared test database as the other tests expect it: at the head
            await _reset(db)
            await upgrade(db.engine)
        await db.dispose()
