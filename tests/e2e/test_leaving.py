"""SPEC §3 "Leaving" end to end: members who leave or are removed, the bot removed and added
back, `/closecoalition`, exact @usernames, administrators as managers in private chats, and
people who never joined leaving no row behind."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.models import Coalition, GroupAdmin, Membership, Person, Reminder, Rsvp
from bot.services.kinds import Kind
from bot.store.database import Database
from jobs.watchdogs import run_watchdogs
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, dump_database, started_bot

MEETING = datetime(2027, 2, 1, 7, 0, tzinfo=UTC)  # 09:00 in Beirut, three weeks after the test clock's start
OMAR = 1005


def _reminders_to(bot, chat_id):
    return [m for m in bot.sent_to(chat_id) if m.text and "⏰" in m.text]


async def _in_english(bot, *users: int) -> None:
    """They open the bot privately and read it in English (Telegram gives some of them ar, fr)."""
    for user in users:
        await bot.say(user, user, "/start")
        await bot.say(user, user, "/language en")


def _as_administrator(bot) -> None:
    """The group made the bot an administrator: Telegram now sends it `chat_member` updates."""
    bot.emu.chats[GROUP].bot_status = "administrator"


async def _person(bot, tg_user_id: int) -> Person | None:
    return next((p for p in await bot.rows(Person) if p.tg_user_id == tg_user_id), None)


async def _membership(bot, tg_user_id: int) -> Membership:
    person = await _person(bot, tg_user_id)
    return next(m for m in await bot.rows(Membership) if m.person_id == person.id)


async def test_a_member_who_leaves_stops_being_active_and_rejoins_from_the_start(coalition):
    bot = coalition
    await _in_english(bot, NADIA, JOHN)
    announcement = await bot.say(GROUP, ADMIN, f"/meeting {MEETING:%Y-%m-%d} 09:00 Winter meeting @ LMAC")
    await bot.press(announcement, JOHN, announcement.buttons()[0]["callback_data"])
    seen = bot.snapshot()
    await bot.emu.leave_group(GROUP, JOHN)  # the bot is no administrator: the service message only
    await bot.idle()
    told = await bot.next(JOHN, seen, contains="no longer a member")
    assert "Lebanon" in told.text and "/join" in told.text

    record = await _membership(bot, JOHN)
    assert (record.role, record.left_at, record.organisation) == (None, bot.clock.now(), "Embassy of Norway")
    assert len(await bot.rows(Rsvp)) == 1  # what he did stays
    listing = await bot.say(GROUP, ADMIN, "/members")
    assert "John" not in listing.text and "Nadia" in listing.text
    assert "not a member of any coalition" in (await bot.say(JOHN, JOHN, "/meetings")).text
    assert "managers" in (await bot.say(JOHN, JOHN, "/export")).text  # refused

    bot.clock.set(MEETING - timedelta(days=14) + timedelta(seconds=1))
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, NADIA)) == 1 and _reminders_to(bot, JOHN) == []

    await bot.emu.join_group(GROUP, JOHN)
    rejoined = await bot.say(GROUP, JOHN, "/join donor")
    assert rejoined.text.splitlines()[0] == "John @john joined as donor."  # no organisation carried over
    record = await _membership(bot, JOHN)
    assert (record.role, record.organisation, record.left_at) == ("donor", None, None)


async def test_removal_reported_twice_ends_the_membership_once(coalition):
    bot = coalition
    _as_administrator(bot)
    await _in_english(bot, JOHN)
    seen = bot.snapshot()
    await bot.emu.remove_from_group(GROUP, JOHN, by_user_id=ADMIN)  # chat_member and the service message
    await bot.idle()
    assert len([m for m in bot.replies(JOHN, seen) if "no longer a member" in m.text]) == 1
    assert (await _membership(bot, JOHN)).left_at is not None


async def test_an_administrator_promoted_or_demoted_has_the_rights_at_once(coalition):
    bot = coalition
    _as_administrator(bot)
    bot.emu.add_user(OMAR, "Omar", username="omar")
    await bot.emu.join_group(GROUP, OMAR)
    await bot.say(OMAR, OMAR, "/start")
    await bot.say(GROUP, ADMIN, "/meetings")  # the administrator list is now cached
    refused = await bot.say(GROUP, OMAR, "/meeting 2027-03-10 09:30 Spring")
    assert "Only the coalition's managers" in refused.text

    await bot.emu.set_admin(GROUP, OMAR, True, by_user_id=ADMIN)
    await bot.idle()
    assert "Spring" in (await bot.say(GROUP, OMAR, "/meeting 2027-03-10 09:30 Spring")).text
    exported = await bot.say(OMAR, OMAR, "/export")  # a manager in private too, though he never joined
    assert exported.file_name == "members.csv"

    await bot.emu.set_admin(GROUP, OMAR, False, by_user_id=ADMIN)
    await bot.idle()
    assert "Only the coalition's managers" in (await bot.say(GROUP, OMAR, "/meeting 2027-03-11 09:30 Again")).text
    assert "Only the coalition's managers" in (await bot.say(OMAR, OMAR, "/export")).text
    assert {a.tg_user_id for a in await bot.rows(GroupAdmin)} == {ADMIN}


async def test_the_administrator_who_set_up_the_group_manages_it_in_private_after_a_restart(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await _in_english(bot, ADMIN)
        files = [m.file_name for m in bot.sent_to(ADMIN)]
        await bot.say(ADMIN, ADMIN, "/export")
        await bot.idle()
        assert "members.csv" in [m.file_name for m in bot.sent_to(ADMIN)] and "members.csv" not in files
    async with started_bot(emu, db_url, clock) as bot:  # a new process: nothing cached
        seen = bot.snapshot()
        await bot.say(ADMIN, ADMIN, "/export")
        assert "members.csv" in [m.file_name for m in bot.replies(ADMIN, seen)]
        help_text = await bot.say(ADMIN, ADMIN, "/help")
        assert "/export" in help_text.text and "/closecoalition" in help_text.text
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_the_bot_removed_pauses_the_coalition_and_added_back_resumes_without_a_burst(coalition):
    bot = coalition
    await _in_english(bot, ADMIN, SALIM, JOHN)
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    await bot.say(GROUP, ADMIN, f"/meeting {MEETING:%Y-%m-%d} 09:00 Winter meeting @ LMAC")

    seen = bot.snapshot()
    await bot.emu.remove_bot_from_group(GROUP, ADMIN)
    await bot.idle()
    for manager in (ADMIN, SALIM):
        assert "paused" in (await bot.next(manager, seen, contains="removed from the group")).text
    assert bot.replies(JOHN, seen) == []
    assert (await bot.rows(Coalition))[0].paused_at == bot.clock.now()

    bot.clock.set(MEETING - timedelta(days=7) + timedelta(hours=1))  # the 14d and 7d reminders fell due
    await bot.dispatcher.tick()
    watchdog_context = type("Context", (), {"runtime": bot.runtime})()
    assert await run_watchdogs(watchdog_context) == 0  # the watchdogs plan nothing for a paused coalition
    assert _reminders_to(bot, GROUP) == [] and _reminders_to(bot, JOHN) == []
    assert {r.state for r in await bot.rows(Reminder) if r.kind == Kind.MEETING} == {"pending"}

    seen = bot.snapshot()
    await bot.emu.add_bot_to_group(GROUP, ADMIN)
    await bot.idle()
    back = await bot.next(SALIM, seen, contains="back in the group")
    assert "1 reminder that fell due during the pause is sent now" in back.text
    assert "1 older reminder was dropped" in back.text
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, GROUP)) == 1 and len(_reminders_to(bot, JOHN)) == 1
    assert bot.replies(GROUP, seen)[0].text != "" and (await bot.rows(Coalition))[0].paused_at is None
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, GROUP)) == 1  # once


async def test_closecoalition_exports_announces_and_can_be_cancelled(coalition):
    bot = coalition
    refused = await bot.say(GROUP, JOHN, "/closecoalition")
    assert "Only the national authority or a group administrator" in refused.text
    assert "open https://t.me/" in (await bot.say(GROUP, ADMIN, "/closecoalition")).text  # not started yet
    await _in_english(bot, ADMIN)
    seen = bot.snapshot()
    assert "private message to confirm" in (await bot.say(GROUP, ADMIN, "/closecoalition")).text
    question = await bot.next(ADMIN, seen, contains="Close the Country Coalition of")
    assert [b["text"] for b in question.buttons()] == ["Close, erase in 30 days", "Keep the coalition"]
    assert (await bot.rows(Coalition))[0].erase_at is None  # nothing before the confirmation

    seen = bot.snapshot()
    await bot.press(question, ADMIN, question.buttons()[0]["callback_data"])
    await bot.idle()
    files = {m.file_name for m in bot.replies(ADMIN, seen) if m.kind == "document"}
    assert {"members.csv", "meetings.csv", "rsvps.csv"} <= files
    assert "erased on" in (await bot.next(ADMIN, seen, contains="Confirmed")).text
    announced = await bot.next(GROUP, seen, contains="is closing")
    assert "/closecoalition cancel" in announced.text
    erase_at = bot.clock.now() + timedelta(days=30)
    (erasure,) = [r for r in await bot.rows(Reminder) if r.kind == Kind.ERASE]
    assert (erasure.due_at, erasure.state) == (erase_at, "pending")
    assert "already closing" in (await bot.say(GROUP, ADMIN, "/closecoalition")).text

    assert "Only the national authority" in (await bot.say(GROUP, JOHN, "/closecoalition cancel")).text
    assert "was cancelled" in (await bot.say(GROUP, ADMIN, "/closecoalition cancel")).text
    assert [r.state for r in await bot.rows(Reminder) if r.kind == Kind.ERASE] == ["dropped"]
    assert "not closing" in (await bot.say(ADMIN, ADMIN, "/closecoalition cancel")).text
    question = await bot.say(ADMIN, ADMIN, "/closecoalition")  # privately: one coalition, asked at once
    seen = bot.snapshot()
    await bot.press(question, ADMIN, question.buttons()[1]["callback_data"])
    assert "Nothing changes" in (await bot.next(ADMIN, seen)).text
    assert (await bot.rows(Coalition))[0].erase_at is None


async def test_a_confirmed_closing_erases_everything_30_days_later_even_after_a_restart(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, NADIA, "/join operator NPA")
        await bot.say(GROUP, ADMIN, f"/meeting {MEETING:%Y-%m-%d} 09:00 Winter meeting @ LMAC")
        await bot.say(GROUP, ADMIN, "/action NPA 2027-03-31 Survey of sector 4")
        await _in_english(bot, ADMIN)
        question = await bot.say(ADMIN, ADMIN, "/closecoalition")
        await bot.press(question, ADMIN, question.buttons()[0]["callback_data"])
        await bot.idle()
        erase_at = clock.now() + timedelta(days=30)
    async with started_bot(emu, db_url, clock) as bot:
        bot.clock.set(erase_at - timedelta(minutes=1))
        await bot.dispatcher.tick()
        assert len(await bot.rows(Coalition)) == 1
        seen = bot.snapshot()
        bot.clock.set(erase_at + timedelta(seconds=1))
        await bot.dispatcher.tick()
        assert "has been erased" in (await bot.next(ADMIN, seen, contains="erased")).text
        assert "has been erased" in (await bot.next(GROUP, seen, contains="erased")).text
        assert await bot.rows(Coalition) == []
        assert "/setup" in (await bot.say(GROUP, ADMIN, "/meetings")).text  # the group is no coalition now
    assert [(r.method, r.error) for r in emu.rejected] == []
    dump = await dump_database(db_url)
    assert {name for name, rows in dump.items() if rows} <= {
        "alembic_version",
        "person",
        "processed_update",
        "worker",
    }  # worker: process heartbeats
    cells = "\n".join(value for rows in dump.values() for row in rows for _c, value in row)
    for trace in ("Survey of sector 4", "NPA", "Winter meeting", str(NADIA), "Nadia"):
        assert trace not in cells, trace


async def test_usernames_name_exactly_one_account(coalition):
    bot = coalition
    bot.emu.add_user(1006, "John Doe", username="john_doe")
    bot.emu.add_user(1007, "Johna Doe", username="johnadoe")
    await bot.say(GROUP, 1007, "/join observer")
    await bot.say(GROUP, 1006, "/join observer")
    granted = await bot.say(GROUP, ADMIN, "/role @JOHN_DOE facilitator")
    assert "@john_doe" in granted.text and "johnadoe" not in granted.text
    roles = {m.person_id: m.role for m in await bot.rows(Membership)}
    assert roles[(await _person(bot, 1006)).id] == "facilitator"
    assert roles[(await _person(bot, 1007)).id] == "observer"
    assert "Nobody called" in (await bot.say(GROUP, ADMIN, "/role @john% observer")).text
    assert "Nobody called" in (await bot.say(GROUP, ADMIN, "/approve @jo_n")).text
    await bot.say(SALIM, SALIM, "/start")  # known to the bot, never joined
    assert "@salim is not a member of this coalition" in (await bot.say(GROUP, ADMIN, "/role @salim observer")).text
    assert "not a member" in (await bot.say(GROUP, ADMIN, "/action @salim Draft the plan")).text


async def test_people_who_never_join_leave_no_row(coalition):
    bot = coalition
    announcement = await bot.say(GROUP, ADMIN, f"/meeting {MEETING:%Y-%m-%d} 09:00 Winter meeting @ LMAC")
    poll = await bot.say(GROUP, ADMIN, "/poll open Which topic first? | Extension | Survey")
    await bot.say(GROUP, SALIM, "/help")
    refusal = await bot.press(announcement, SALIM, announcement.buttons()[0]["callback_data"])
    assert "/join" in refusal["text"]
    await bot.emu.poll_answer(poll.poll["id"], SALIM, [0])
    await bot.idle()
    await bot.say(SALIM, SALIM, "/meetings")
    await bot.say(SALIM, SALIM, "/forgetme")
    assert await _person(bot, SALIM) is None
    await bot.say(SALIM, SALIM, "/start")  # what /start records needs a row
    salim = await _person(bot, SALIM)
    assert salim is not None and salim.can_message


async def test_log_lines_never_name_a_private_chat(coalition, caplog):
    bot = coalition
    caplog.set_level(logging.INFO)
    await _in_english(bot, JOHN)
    await bot.say(GROUP, JOHN, "/join secretariat")
    bot.emu.block(JOHN)
    await bot.say(GROUP, ADMIN, "/approve @john")  # tells John privately: 403
    await bot.idle()
    assert any("a private chat unreachable" in r.getMessage() for r in caplog.records)
    assert not any(str(JOHN) in r.getMessage() for r in caplog.records)
    bot.emu.requests[:] = [r for r in bot.emu.requests if r.status != 403]


async def test_the_erasure_runs_while_the_bot_is_out_of_the_group(coalition):
    bot = coalition
    await _in_english(bot, ADMIN)
    question = await bot.say(ADMIN, ADMIN, "/closecoalition")
    await bot.press(question, ADMIN, question.buttons()[0]["callback_data"])
    await bot.idle()
    await bot.emu.remove_bot_from_group(GROUP, ADMIN)
    await bot.idle()
    seen = bot.snapshot()
    bot.clock.advance(timedelta(days=30, seconds=1))
    await bot.dispatcher.tick()
    await bot.idle()
    assert "has been erased" in (await bot.next(ADMIN, seen, contains="erased")).text
    assert bot.replies(GROUP, seen) == []  # nothing posted where the bot no longer is
    assert await bot.rows(Coalition) == []
    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        assert (await s.exec(select(Membership))).all() == []
    await db.dispose()
