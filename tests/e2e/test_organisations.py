"""SPEC §3 "Acting for an organisation is confirmed", end to end through the emulator, on SQLite
and PostgreSQL: the security review's reproduction (a stranger claiming NPA closes nothing and
replaces no figure), one organisation for `NPA` and `npa`, unconfirmed claims shown and counted
as individuals, a manager's own claim, a change of organisation, donors' pledges, durable
approval notices (one, when two instances approve at once), and the managers' review list
after the upgrade with its *Revoke* buttons."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.models import (
    ActionPoint,
    ActionUpdate,
    Delivery,
    Membership,
    Organisation,
    OutboxMessage,
    Pledge,
    ProgressReport,
    Proposal,
)
from bot.services import members as member_service
from bot.store.database import Database
from bot.store.migrate import alembic_config, upgrade
from tests.conftest import database_url
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, confirm, make_settings, started_bot

EVE = 1010
AWAITS = "awaits a manager's confirmation"


@pytest.fixture
async def eve(coalition):
    """Eve is not from NPA; the bot administers the group, so it reads `#AP1` in chat. NPA has an
    action point (AP1) and its December figure (38,000 m² cleared, filed by Nadia)."""
    bot = coalition
    bot.emu.add_user(EVE, "Eve", username="eve", language_code="en")
    await bot.emu.add_bot_to_group(GROUP, ADMIN, as_admin=True)
    await bot.say(GROUP, ADMIN, "/action NPA Share the December clearance figures")
    await bot.say(GROUP, NADIA, "/report period=2026-12 cleared=38000")
    return bot


async def test_a_stranger_claiming_npa_acts_as_an_individual_until_a_manager_confirms(eve):
    bot = eve
    seen = bot.snapshot()
    join = await bot.say(GROUP, EVE, "/join observer NPA")
    assert bot.replies(GROUP, seen) == [join]  # one answer: joined, what waits, the private link
    assert "Eve @eve joined as observer" in join.text and "NPA, unconfirmed" in join.text
    assert "t.me/coalition_test_bot?start=" in join.text and len(join.buttons()) == 1
    done = await bot.say(GROUP, EVE, "/done AP1")
    assert AWAITS in done.text and "NPA" in done.text and "AP1" in done.text
    told = await bot.say(GROUP, EVE, "#AP1 done, everything is shared")
    assert AWAITS in told.text and "kept as a comment" in told.text
    (action,) = await bot.rows(ActionPoint)
    assert action.status == "open"
    assert [(u.comment, u.status) for u in await bot.rows(ActionUpdate)] == [(True, None)]

    again = await bot.say(GROUP, EVE, "/join operator NPA")
    assert "NPA, unconfirmed" in again.text
    refused = await bot.say(GROUP, EVE, "/report period=2026-12 cleared=1")
    assert AWAITS in refused.text and "figures" in refused.text
    refused = await bot.say(GROUP, EVE, "/report period=2026-12 cleared=1 org=NPA")
    assert AWAITS in refused.text
    assert [(r.organisation, r.cleared) for r in await bot.rows(ProgressReport)] == [("NPA", 38000)]
    # what an individual may do
    proposal = await bot.say(GROUP, EVE, "/propose Quality management of survey data")
    assert "P1" in proposal.text and len(await bot.rows(Proposal)) == 1

    stranger = await bot.press(again, JOHN, again.buttons()[0]["callback_data"])
    assert "managers" in stranger["text"]
    seen = bot.snapshot()
    answer = await bot.press(again, ADMIN, again.buttons()[0]["callback_data"])
    assert answer["text"] == "تمت الموافقة."  # Approved, in the administrator's Arabic
    notice = await bot.next(GROUP, seen)
    assert "Eve @eve now acts for NPA" in notice.text
    await bot.emu.send(GROUP, EVE, "/done AP1")  # acknowledged with a reaction
    await bot.idle()
    (action,) = await bot.rows(ActionPoint)
    assert action.status == "done"


async def test_npa_and_npa_are_one_organisation_in_every_total(coalition):
    bot = coalition
    bot.emu.add_user(1011, "Karim", username="karim", language_code="en")
    join = await bot.say(GROUP, 1011, "/join operator npa")
    assert "Organisation: NPA, unconfirmed" in join.text  # the first spelling is kept
    await confirm(bot, GROUP, "karim")
    await bot.say(GROUP, ADMIN, "/settings baseline 1,000,000")
    await bot.say(GROUP, NADIA, "/report period=2026-12 cleared=38000")
    duplicate = await bot.say(GROUP, 1011, "/report period=2026-12 cleared=38000")
    assert duplicate.buttons()  # the same organisation's December: replace or keep?
    assert [(r.organisation, r.cleared) for r in await bot.rows(ProgressReport)] == [("NPA", 38000)]
    assert [o.name for o in await bot.rows(Organisation)] == ["NPA", "Embassy of Norway"]
    members = await bot.say(GROUP, ADMIN, "/members")
    assert "NPA: Karim @karim, Nadia @nadia" in members.text or "NPA: Karim @karim and Nadia @nadia" in members.text
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/progress")
    await bot.idle()
    shown = "\n".join(m.content for m in bot.replies(GROUP, seen))
    assert "38,000" in shown and "76,000" not in shown


async def test_unconfirmed_claims_show_as_such_and_count_as_individuals(eve, clock):
    bot = eve
    await bot.say(GROUP, EVE, "/join observer NPA")
    members = await bot.say(GROUP, ADMIN, "/members")
    assert "Eve @eve (NPA, unconfirmed)" in members.text and "NPA: Nadia @nadia" in members.text
    announcement = await bot.say(GROUP, ADMIN, "/meeting 2027-01-20 09:30 Winter meeting @ Beirut")
    for user in (NADIA, EVE):
        await bot.press(announcement, user, announcement.buttons()[0]["callback_data"])
    rsvps = await bot.say(GROUP, ADMIN, "/rsvps M1")
    assert "• NPA: Nadia @nadia\n" in rsvps.text and "• Eve @eve (NPA, unconfirmed)" in rsvps.text
    clock.set(datetime(2027, 1, 20, 12, 0, tzinfo=UTC))
    summary = await bot.say(GROUP, ADMIN, "/summary")
    assert "NPA: Nadia @nadia" in summary.text and "Eve @eve (NPA, unconfirmed)" in summary.text
    assert "NPA: Eve" not in summary.text and "NPA: Nadia @nadia, Eve" not in summary.text


async def test_a_managers_own_claim_is_confirmed_by_another_manager(coalition):
    bot = coalition
    request = await bot.say(GROUP, SALIM, "/join facilitator GICHD")
    assert "asked to join as facilitator" in request.text
    seen = bot.snapshot()
    await bot.press(request, ADMIN, request.buttons()[0]["callback_data"])
    granted = await bot.next(GROUP, seen)
    assert "Salim @salim is now facilitator." in granted.text and "Salim @salim now acts for GICHD." in granted.text

    moved = await bot.say(GROUP, SALIM, "/join facilitator UNDP")
    assert "UNDP, unconfirmed" in moved.text
    own = await bot.press(moved, SALIM, moved.buttons()[0]["callback_data"])
    assert "cannot confirm your own organisation (UNDP)" in own["text"]
    own = await bot.say(GROUP, SALIM, "/approve @salim")
    assert "cannot confirm your own organisation" in own.text
    own = await bot.say(GROUP, SALIM, "/role @salim facilitator MAG")
    assert "cannot confirm your own organisation" in own.text
    salim = next(m for m in await bot.rows(Membership) if m.organisation in ("UNDP", "MAG"))
    assert (salim.organisation, salim.organisation_confirmed_at) == ("UNDP", None)

    # the Telegram administrator's role needs nobody, but her organisation needs another manager
    joined = await bot.say(GROUP, ADMIN, "/join national_authority LMAC")
    assert "joined as national authority" in joined.text and "LMAC, unconfirmed" in joined.text
    own = await bot.say(GROUP, ADMIN, "/approve @rania")
    assert "cannot confirm your own organisation (LMAC)" in own.text
    await confirm(bot, GROUP, "rania", by=SALIM)
    await confirm(bot, GROUP, "salim")
    confirmed = {m.organisation for m in await bot.rows(Membership) if m.organisation_confirmed_at}
    assert confirmed == {"NPA", "Embassy of Norway", "LMAC", "UNDP"}


async def test_another_organisation_loses_the_old_ones_rights_until_confirmed(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/action NPA Share clearance figures")
    first = await bot.say(GROUP, NADIA, "/join operator HALO Trust")
    assert "HALO Trust, unconfirmed" in first.text
    done = await bot.say(GROUP, NADIA, "/done AP1")
    assert "Only an owner of AP1" in done.text  # NPA's point is no longer hers
    refused = await bot.say(GROUP, NADIA, "/report period=2026-12 cleared=5")
    assert "HALO Trust" in refused.text and "confirmation" in refused.text
    second = await bot.say(GROUP, NADIA, "/join operator MAG")
    stale = await bot.press(first, ADMIN, first.buttons()[0]["callback_data"])
    assert "تغيّر طلب" in stale["text"]  # "Nadia's request has changed since", in the administrator's Arabic
    seen = bot.snapshot()
    await bot.press(second, ADMIN, second.buttons()[0]["callback_data"])
    assert "Nadia @nadia now acts for MAG" in (await bot.next(GROUP, seen)).text
    recorded = await bot.say(GROUP, NADIA, "/report period=2026-12 cleared=5")
    assert "MAG" in recorded.text
    assert [(r.organisation, r.cleared) for r in await bot.rows(ProgressReport)] == [("MAG", 5)]
    (action,) = await bot.rows(ActionPoint)
    assert action.status == "open"


async def test_an_unconfirmed_donor_cannot_pledge_a_confirmed_one_can(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/need Technical survey of sector 4 450000 USD priority high")
    await bot.say(GROUP, SALIM, "/join donor Auswärtiges Amt")
    refused = await bot.say(GROUP, SALIM, "/pledge N1 100000 USD")
    assert AWAITS in refused.text and "Auswärtiges Amt" in refused.text and "pledge" in refused.text
    recorded = await bot.say(GROUP, ADMIN, "/pledge N1 50000 USD org=auswärtiges amt")
    assert "PL1" in recorded.text
    refused = await bot.say(GROUP, SALIM, "/pledge PL1 confirm")
    assert AWAITS in refused.text
    assert [(p.organisation, p.confirmed_at) for p in await bot.rows(Pledge)] == [("Auswärtiges Amt", None)]
    await confirm(bot, GROUP, "salim")
    pledged = await bot.say(GROUP, SALIM, "/pledge N1 100000 USD")
    assert "PL2" in pledged.text
    await bot.say(GROUP, SALIM, "/pledge PL1 confirm")
    assert all(p.confirmed_at is not None for p in await bot.rows(Pledge))


async def test_requests_and_approval_notices_survive_an_outage_and_a_restart(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(NADIA, NADIA, "/start")
        emu.outage(3600)
        await emu.send(GROUP, NADIA, "/join operator NPA")
        await emu.send(GROUP, ADMIN, "/approve @nadia")
        await bot.idle(replies=False)
    rows = await _rows(db_url, OutboxMessage)  # written with the changes, leased to the dead process
    assert [(r.chat_id, r.state) for r in rows] == [(GROUP, "pending"), (GROUP, "pending"), (NADIA, "pending")]
    assert "unconfirmed" in rows[0].parts and "a:" in (rows[0].keyboard or "")
    emu.outage(0)
    clock.advance(timedelta(minutes=2))
    async with started_bot(emu, db_url, clock) as bot:
        await emu.wait_for(lambda m: m.chat_id == GROUP and "NPA, unconfirmed" in m.text and m.buttons(), 10)
        await emu.wait_for(lambda m: m.chat_id == GROUP and "now acts for NPA" in m.text, 10)
        await emu.wait_for(lambda m: m.chat_id == NADIA and "agit désormais pour NPA" in m.text, 10)  # her French
        await bot.runtime.sender.idle()
    assert await _rows(db_url, OutboxMessage) == []


async def test_two_instances_approving_one_claim_at_once_confirm_it_once(emu, db_url, clock, monkeypatch):
    """Two managers press *Approve* on the same claim at the same moment, each press handled by
    another instance on the same database: one confirmation, one notice in the group and one
    to the member; the other press is told nothing is pending any more."""
    async with started_bot(emu, db_url, clock) as bot:
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        request = await bot.say(GROUP, SALIM, "/join facilitator GICHD")
        await bot.press(request, ADMIN, request.buttons()[0]["callback_data"])  # Salim is a manager too
        await bot.say(NADIA, NADIA, "/start")
        claim = await bot.say(GROUP, NADIA, "/join operator HALO Trust")
    monkeypatch.setattr(member_service, "approve", _together(member_service.approve))
    seen = {(m.chat_id, m.message_id) for m in emu.sent}
    data = claim.buttons()[0]["callback_data"]
    async with _instance(emu, db_url, clock) as first, _instance(emu, db_url, clock) as second:
        answers = await asyncio.gather(
            _handed(first, emu, claim, ADMIN, data, 9_000_001), _handed(second, emu, claim, SALIM, data, 9_000_002)
        )
        for application in (first, second):
            await application.bot_data["runtime"].sender.idle()
    told = [(m.chat_id, m.text) for m in emu.sent if (m.chat_id, m.message_id) not in seen and "HALO" in m.text]
    assert sorted(chat for chat, _ in told) == [GROUP, NADIA], told
    assert sum(a["text"] in ("Approved.", "تمت الموافقة.") for a in answers) == 1, answers  # Salim's, Rania's
    (record,) = [m for m in await _rows(db_url, Membership) if m.organisation == "HALO Trust"]
    assert record.organisation_confirmed_at is not None
    assert await _rows(db_url, OutboxMessage) == []


def _together(approve):
    """`approve` that first waits (a second at most) for the other approval to arrive: on
    PostgreSQL both have then read the claim unconfirmed before either writes. SQLite lets one
    writer in at a time, so there the second arrives only once the first has committed."""
    both, arrived = asyncio.Event(), 0

    async def together(*args, **kwargs):
        nonlocal arrived
        arrived += 1
        if arrived == 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 1.0)
        return await approve(*args, **kwargs)

    return together


@contextlib.asynccontextmanager
async def _instance(emu, db_url: str, clock) -> AsyncIterator[Application]:
    """One more instance of the bot on the database, started as `coalition-bot webhook` starts
    it (no polling): the test hands it its updates, as Telegram hands them to a webhook."""
    application = build_application(make_settings(emu, db_url), clock=clock, rate_limit=False)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.post_stop(application)
        await application.shutdown()
        await application.post_shutdown(application)


def _query(emu, message, user_id: int, data: str) -> dict:
    """A callback query from `user_id` on `message`, its id open in the emulator for the answer."""
    query_id = str(4_100_000_000 + next(emu.ids))
    emu.open_callbacks.add(query_id)
    chat = emu.chats[message.chat_id]
    return {
        "id": query_id,
        "from": emu.users[user_id],
        "message": chat.messages[message.message_id],
        "chat_instance": "1",
        "data": data,
    }


async def _handed(application: Application, emu, message, user_id: int, data: str, update_id: int) -> dict:
    """`user_id` presses the button carrying `data`; the update goes to `application`."""
    query = _query(emu, message, user_id, data)
    await application.process_update(Update.de_json({"update_id": update_id, "callback_query": query}, application.bot))
    return await emu.wait_callback_answer(query["id"])


async def _forged_press(bot, message, user_id: int, data: str) -> dict:
    """A callback query carrying data the message's buttons do not have (a forged request:
    the emulator's `press` only taps real buttons)."""
    query = _query(bot.emu, message, user_id, data)
    bot.emu.updates.push("callback_query", query)
    await bot.idle()
    return await bot.emu.wait_callback_answer(query["id"])


async def _rows(url: str, model: type) -> list:
    from sqlmodel import select

    db = Database(url)
    async with db.transaction() as session:
        rows = list((await session.exec(select(model).order_by(model.id))).all())
    await db.dispose()
    return rows


# After the upgrade: the managers' review list -----------------------------------------------

PARENT = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0010").down_revision


async def _claims_before_confirmations(url: str) -> None:
    """A coalition as it stood before revision 0010 (two spellings of NPA, each with an October
    report), upgraded as `coalition-bot db upgrade` does."""
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            if db.is_sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            else:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))

            def to_parent(sync) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync
                command.upgrade(config, PARENT)

            await connection.run_sync(to_parent)
            await connection.run_sync(_fill)
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _fill(connection) -> None:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    t, at = metadata.tables, datetime(2026, 10, 1, 9, 0)
    connection.execute(
        t["coalition"].insert().values(
            id=1, chat_id=GROUP, title="Lebanon Coalition", country="Lebanon", timezone="Asia/Beirut", languages="en",
            cadence_months=6, reminder_offsets="14d,7d,1d", created_at=at, public=False, network=False,
        )
    )  # fmt: skip
    people = [(ADMIN, "Rania", "rania"), (NADIA, "Nadia", "nadia"), (JOHN, "John", "john"), (SALIM, "Salim", "salim")]
    connection.execute(
        t["person"].insert(),
        [{"id": i, "tg_user_id": uid, "full_name": name, "username": username, "language": "en",
          "can_message": True, "unreachable": False} for i, (uid, name, username) in enumerate(people, 1)],
    )  # fmt: skip
    connection.execute(
        t["membership"].insert(),
        [
            {"id": 1, "coalition_id": 1, "person_id": 1, "role": "national_authority", "organisation": None,
             "joined_at": at},
            {"id": 2, "coalition_id": 1, "person_id": 2, "role": "operator", "organisation": "NPA",
             "joined_at": at + timedelta(days=1)},
            {"id": 3, "coalition_id": 1, "person_id": 3, "role": "donor", "organisation": "Embassy of Norway",
             "joined_at": at + timedelta(days=2)},
            {"id": 4, "coalition_id": 1, "person_id": 4, "role": "operator", "organisation": "npa",
             "joined_at": at + timedelta(days=3)},
        ],
    )  # fmt: skip
    figures = {"cancelled": 0, "reduced": 0, "cmr": 0, "submunitions": 0, "re_sessions": 0, "re_people": 0, "found": 0}
    connection.execute(
        t["progress_report"].insert(),
        [
            {"id": 1, "coalition_id": 1, "organisation": "NPA", "period": "2026-10", "cleared": 38000,
             "reported_by": 2, "reported_at": at + timedelta(days=31), **figures},
            {"id": 2, "coalition_id": 1, "organisation": "npa", "period": "2026-10", "cleared": 37000,
             "reported_by": 4, "reported_at": at + timedelta(days=32), **figures},
        ],
    )  # fmt: skip
    if connection.dialect.name == "postgresql":  # as in a real database: ids follow the stored ones
        for table in ("coalition", "person", "membership", "progress_report"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))


async def test_after_the_upgrade_managers_get_one_list_with_a_revoke_button_per_claim(emu, tmp_path, clock):
    url = database_url(tmp_path)
    await _claims_before_confirmations(url)
    clock.set(max(clock.now(), datetime.now(UTC)) + timedelta(minutes=1))  # the upgrade's reminder is due
    emu.started.update({ADMIN, NADIA, SALIM})
    async with started_bot(emu, url, clock) as bot:
        await bot.dispatcher.tick()
        (listing,) = [m for m in bot.sent_to(ADMIN) if "who acts for which organisation" in m.text]
        assert "1. John @john: Embassy of Norway (donor)" in listing.text
        assert "2. Nadia @nadia: NPA (operator)" in listing.text and "3. Salim @salim: NPA (operator)" in listing.text
        assert "NPA, October 2026: the report filed on" in listing.text and "as “NPA” is archived" in listing.text
        labels = [b["text"] for b in listing.buttons()]
        assert labels == ["✖ Revoke 1: John, Embassy of Norway", "✖ Revoke 2: Nadia, NPA", "✖ Revoke 3: Salim, NPA"]
        assert [(r.organisation, r.cleared) for r in await bot.rows(ProgressReport)] == [("NPA", 37000)]

        salim_line = listing.buttons()[2]["callback_data"]
        mine = await bot.say(NADIA, NADIA, "/start")
        forged = await _forged_press(bot, mine, NADIA, salim_line)  # an operator's forged data changes nothing
        assert "managers" in forged["text"]
        assert all(m.organisation_confirmed_at for m in await bot.rows(Membership) if m.organisation)
        seen = bot.snapshot()
        answer = await bot.press(listing, ADMIN, salim_line)
        assert answer["text"] == "Revoked: Salim (NPA)."
        told = await bot.next(SALIM, seen)
        assert "revoked your claim to act for NPA" in told.text
        salim = next(m for m in await bot.rows(Membership) if m.id == 4)
        assert (salim.organisation, salim.organisation_confirmed_at) == (None, None)
        again = await bot.press(listing, ADMIN, salim_line)
        assert "does not claim NPA any more" in again["text"]
    async with started_bot(emu, url, clock) as bot:  # a restart sends no second list
        await bot.dispatcher.tick()
        await bot.runtime.sender.idle()
        assert len([m for m in bot.sent_to(ADMIN) if "who acts for which organisation" in m.text]) == 1
        assert [d.state for d in await bot.rows(Delivery)] == ["sent"]
    assert [(r.method, r.error) for r in emu.rejected] == []
