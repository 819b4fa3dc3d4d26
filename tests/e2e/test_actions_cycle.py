"""Issue 4 end to end: the mid-term update cycle and the daily overdue digest (SPEC §6).

Time is the frozen clock; planners run as the watchdog job would, and the dispatcher is
ticked directly (the harness serialises its ticks with its background ones: see SerialDispatcher).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import ActionMessage, ActionPoint, ActionUpdate, Reminder
from jobs.watchdogs import run_watchdogs
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, started_bot
from tests.e2e.test_actions import _reactions, team  # noqa: F401 - team is a fixture

M1 = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)  # 09:00 in Beirut
M2 = datetime(2027, 3, 12, 7, 0, tzinfo=UTC)
MIDPOINT = M1 + (M2 - M1) / 2  # 10 February, 19:00 UTC


def _context(bot):
    return type("Ctx", (), {"runtime": bot.app.bot_data["runtime"]})()


async def _tick(bot):
    await bot.dispatcher.tick()
    await bot.idle()


def _private(bot, user, marker):
    return [m for m in bot.sent_to(user) if marker in m.text]


@pytest.fixture
async def cycle(team):
    """Meeting M1 held on 12 January with four action points; M2 scheduled for 12 March."""
    bot = team
    await bot.say(GROUP, ADMIN, "/meeting 2027-01-12 09:00 Winter meeting")
    await bot.say(GROUP, ADMIN, "/meeting 2027-03-12 09:00 Spring meeting")
    bot.clock.set(M1 + timedelta(hours=2))
    await bot.say(GROUP, SALIM, "/action @nadia 2027-03-31 Submit technical survey plan")
    await bot.say(GROUP, SALIM, "/action NPA Share clearance figures")
    await bot.say(GROUP, SALIM, "/action @john Confirm funding")
    await bot.say(GROUP, SALIM, "/action LMAC Publish the national standards")
    await bot.emu.send(GROUP, NADIA, "/update AP1 progress 60% teams deployed")
    await bot.emu.send(GROUP, SALIM, "/done AP4 published")
    await bot.idle()
    await _reactions(bot, 2)
    return bot


async def test_owners_are_asked_a_week_before_the_midpoint_with_one_tap_buttons(cycle):
    bot = cycle
    await run_watchdogs(_context(bot))  # the start-up run may have planned them already: check the rows
    keys = {r.key: r.due_at for r in await bot.rows(Reminder) if r.kind.startswith("midterm")}
    assert keys == {"midterm:ask:1": MIDPOINT - timedelta(days=7), "midterm:draft:1": MIDPOINT}
    bot.clock.set(MIDPOINT - timedelta(days=7, seconds=1))
    await _tick(bot)
    assert _private(bot, NADIA, "AP1") == []
    bot.clock.set(MIDPOINT - timedelta(days=7) + timedelta(seconds=1))
    await _tick(bot)
    request = await bot.emu.wait_for(lambda m: m.chat_id == NADIA and "AP1" in m.text and m.buttons())
    assert "AP2" in request.text and "AP3" not in request.text  # she owns AP1, and AP2 through NPA
    assert "mi-parcours" in request.text  # in her language
    labels = [b["text"] for b in request.buttons()]
    assert len(labels) == 6 and labels[1].startswith("✓ AP1")  # her last status, one tap
    john = await bot.emu.wait_for(lambda m: m.chat_id == JOHN and "AP3" in m.text and m.buttons())
    assert "AP1" not in john.text
    assert [m for m in bot.sent_to(SALIM) if m.buttons()] == []  # AP4 is done: nothing to ask
    await _tick(bot)
    assert len([m for m in bot.sent_to(NADIA) if m.buttons()]) == 1  # never twice

    # "no change" is one tap, then an optional note by reply
    answer = await bot.press(request, NADIA, request.buttons()[1]["callback_data"])
    assert "AP1" in answer["text"] and "en cours" in answer["text"]
    prompt = await bot.emu.wait_for(
        lambda m: m.chat_id == NADIA and m.reply_markup and m.reply_markup.get("force_reply")
    )
    await bot.emu.send(NADIA, NADIA, "la moitié du secteur 4 est levée", reply_to=prompt.message_id)
    await bot.idle()
    await _reactions(bot, 3)
    updates = [u for u in await bot.rows(ActionUpdate) if u.action_id == 1]
    assert [(u.status, u.text) for u in updates][-2:] == [("progress", ""), (None, "la moitié du secteur 4 est levée")]
    # the note was a stored dialog step: no record of a private chat's messages (SPEC §8)
    assert [m.chat_id for m in await bot.rows(ActionMessage) if m.chat_id > 0] == []
    # John's point is done with one tap
    await bot.press(john, JOHN, next(b["callback_data"] for b in john.buttons() if "done" in b["text"]))
    assert [a.status for a in await bot.rows(ActionPoint)][2] == "done"


async def test_the_national_authority_circulates_the_drafted_update_in_one_tap(cycle):
    bot = cycle
    await bot.say(GROUP, ADMIN, "/language en,fr")
    await run_watchdogs(_context(bot))
    bot.clock.set(MIDPOINT + timedelta(seconds=1))
    await _tick(bot)
    draft = await bot.emu.wait_for(lambda m: m.chat_id == SALIM and "Draft mid-term update" in m.text)
    for ref in ("AP1", "AP2", "AP3", "AP4"):
        assert ref in draft.text  # AP4 was done since the meeting: part of the update
    assert "teams deployed" in draft.text and "in progress · 60%" in draft.text
    assert [m for m in bot.sent_to(NADIA) if "Draft" in m.text] == []
    (button,) = draft.buttons()
    answer = await bot.press(draft, SALIM, button["callback_data"])
    assert "posted in the group" in answer["text"]
    await _tick(bot)
    post = await bot.emu.wait_for(lambda m: m.chat_id == GROUP and "Mid-term update" in m.text)
    assert "AP1" in post.text and "mi-parcours" in post.text and "Draft" not in post.text
    again = await bot.press(draft, SALIM, button["callback_data"])
    assert "already" in again["text"]
    await _tick(bot)
    assert len([m for m in bot.sent_to(GROUP) if "Mid-term update" in m.text]) == 1


async def test_moving_the_next_meeting_moves_the_pending_mid_term_reminders(cycle):
    bot = cycle
    await run_watchdogs(_context(bot))
    await bot.say(GROUP, ADMIN, "/reschedule M2 2027-05-12 09:00")
    await run_watchdogs(_context(bot))
    new_midpoint = M1 + (datetime(2027, 5, 12, 6, 0, tzinfo=UTC) - M1) / 2  # Beirut is UTC+3 in May
    keys = {r.key: r.due_at for r in await bot.rows(Reminder) if r.kind.startswith("midterm")}
    assert keys == {"midterm:ask:1": new_midpoint - timedelta(days=7), "midterm:draft:1": new_midpoint}


async def test_without_a_next_meeting_the_midpoint_is_half_the_cadence(team):
    bot = team
    await bot.say(GROUP, ADMIN, "/settings cadence 3m")
    await bot.say(GROUP, ADMIN, "/meeting 2027-01-12 09:00 Winter meeting")
    bot.clock.set(M1 + timedelta(days=1))
    await run_watchdogs(_context(bot))
    draft = next(r for r in await bot.rows(Reminder) if r.key == "midterm:draft:1")
    assert draft.due_at == M1 + (datetime(2027, 4, 12, 7, 0, tzinfo=UTC) - M1) / 2


OVERDUE_DAY = datetime(2027, 1, 21, 7, 0, tzinfo=UTC)  # 09:00 in Beirut


@pytest.fixture
async def late(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia 2027-01-20 Submit technical survey plan")
    await bot.say(GROUP, SALIM, "/action NPA 2027-01-25 Share clearance figures")
    await bot.say(GROUP, SALIM, "/action @john 2027-03-01 Confirm funding")
    await bot.say(GROUP, SALIM, "/action @john 2027-01-02 Old and done")
    await bot.emu.send(GROUP, JOHN, "/done AP4")
    await bot.idle()
    return bot


async def test_the_overdue_digest_goes_to_owners_and_the_whole_list_to_the_national_authority(late):
    bot = late
    bot.clock.set(OVERDUE_DAY - timedelta(hours=2))
    await run_watchdogs(_context(bot))
    # the start-up run may have planned an earlier day's digest while the fixture ran: look at this day's
    (row,) = [r for r in await bot.rows(Reminder) if r.kind == "overdue" and r.key.endswith("2027-01-21")]
    assert (row.key, row.due_at) == ("overdue:1:2027-01-21", OVERDUE_DAY)
    bot.clock.set(OVERDUE_DAY - timedelta(seconds=1))
    await _tick(bot)
    assert [m for m in bot.sent_to(NADIA) if "AP1" in m.text and "⚠" in m.text] == []
    bot.clock.set(OVERDUE_DAY + timedelta(seconds=1))
    await _tick(bot)
    nadia = await bot.emu.wait_for(lambda m: m.chat_id == NADIA and "AP1" in m.text and "⚠" in m.text)
    assert "en retard" in nadia.text and "1 jour" in nadia.text and "AP2" not in nadia.text
    salim = await bot.emu.wait_for(lambda m: m.chat_id == SALIM and "AP1" in m.text and "⚠" in m.text)
    assert "Nadia" in salim.text and "Confirm funding" not in salim.text and "Old and done" not in salim.text
    await asyncio.sleep(0.1)
    assert [m for m in bot.sent_to(JOHN) if "⚠" in m.text] == []  # his points are not overdue
    await _tick(bot)
    assert len([m for m in bot.sent_to(NADIA) if "⚠" in m.text]) == 1  # never twice


async def test_the_digest_is_daily_and_silent_when_nothing_is_overdue(late):
    bot = late
    bot.clock.set(OVERDUE_DAY + timedelta(minutes=5))
    await run_watchdogs(_context(bot))  # today's (late by five minutes) and tomorrow's
    assert sorted(r.key for r in await bot.rows(Reminder) if r.kind == "overdue") == [
        "overdue:1:2027-01-21",
        "overdue:1:2027-01-22",
    ]
    await _tick(bot)
    await bot.emu.wait_for(lambda m: m.chat_id == NADIA and "⚠" in m.text)
    await bot.emu.send(GROUP, NADIA, "/done AP1")
    await bot.idle()
    bot.clock.set(OVERDUE_DAY + timedelta(days=1, seconds=1))
    await _tick(bot)
    await asyncio.sleep(0.1)
    assert len([m for m in bot.sent_to(NADIA) if "⚠" in m.text]) == 1  # nothing overdue for her any more
    (_today, tomorrow) = [r for r in await bot.rows(Reminder) if r.kind == "overdue"]
    assert tomorrow.state == "done"
    # AP2 (NPA) falls due on the 25th: no digest is planned before anything is overdue
    bot.clock.set(datetime(2027, 1, 24, 12, 0, tzinfo=UTC))
    await run_watchdogs(_context(bot))
    assert len([r for r in await bot.rows(Reminder) if r.kind == "overdue"]) == 2


async def test_the_digest_survives_a_restart(emu, db_url, clock):
    clock.set(datetime(2027, 1, 20, 12, 0, tzinfo=UTC))
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, NADIA, "/join operator NPA")
        await bot.say(NADIA, NADIA, "/start")
        await bot.say(GROUP, ADMIN, "/action @nadia 2027-01-19 Survey plan")
        await run_watchdogs(_context(bot))
    clock.set(OVERDUE_DAY + timedelta(hours=1))  # the bot was down at 09:00
    async with started_bot(emu, db_url, clock) as bot:
        digest = await emu.wait_for(lambda m: m.chat_id == NADIA and "⚠" in m.text)
        assert "AP1" in digest.text and "2 jours" in digest.text
        await bot.dispatcher.tick()
    assert len([m for m in emu.sent if m.chat_id == NADIA and "⚠" in m.text]) == 1
