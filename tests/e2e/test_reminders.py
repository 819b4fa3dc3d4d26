"""Issue 3 end to end: the reminder engine, in one process (restarts included).

Time is a frozen clock moved by the test; the dispatcher is ticked directly, as the
scheduler would every few seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.models import Delivery, Person, Reminder
from bot.store.database import Database
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, started_bot

MEETING = datetime(2027, 4, 15, 6, 30, tzinfo=UTC)  # 09:30 in Beirut


async def _prepare(bot):
    """Nadia and John can be written to; Salim (national authority) too; Nadia answers."""
    for user in (NADIA, JOHN, SALIM):
        await bot.say(user, user, "/start")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    announcement = await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting @ LMAC")
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    return announcement


def _reminders_to(bot, chat_id):
    return [m for m in bot.sent_to(chat_id) if "⏰" in m.text]


async def test_a_reminder_fires_in_the_group_and_privately_to_non_responders_only(coalition):
    bot = coalition
    await _prepare(bot)
    bot.emu.add_user(1010, "Omar", username="omar", language_code="ar")
    await bot.say(GROUP, 1010, "/join observer")  # never started the bot: mentioned in the group
    bot.clock.set(MEETING - timedelta(days=14) + timedelta(seconds=1))
    await bot.dispatcher.tick()
    group = _reminders_to(bot, GROUP)
    assert len(group) == 1 and "Omar" in group[0].text and "Nadia" not in group[0].text
    assert any(
        (e.get("type") == "text_link" and "1010" in e.get("url", "")) or e.get("type") == "text_mention"
        for e in group[0].entities
    )
    assert len(_reminders_to(bot, JOHN)) == 1 and "Reminder" in _reminders_to(bot, JOHN)[0].text
    assert len(_reminders_to(bot, SALIM)) == 1  # Telegram language "de": the group's language
    assert _reminders_to(bot, NADIA) == []  # she answered
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, JOHN)) == 1  # never twice
    deliveries = await bot.rows(Delivery)
    assert sorted(d.recipient for d in deliveries) == sorted(
        ["group", *[f"person:{p.id}" for p in await bot.rows(Person) if p.tg_user_id in (JOHN, SALIM)]]
    )
    assert {d.state for d in deliveries} == {"sent"}


async def test_a_reminder_pressed_privately_records_the_answer(coalition):
    bot = coalition
    await _prepare(bot)
    bot.clock.set(MEETING - timedelta(days=7))
    await bot.dispatcher.tick()
    (private,) = _reminders_to(bot, JOHN)
    answer = await bot.press(private, JOHN, private.buttons()[1]["callback_data"])
    assert "Attending online" in answer["text"]
    bot.clock.set(MEETING - timedelta(days=1))
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, JOHN)) == 1  # John answered: the 1d reminder skips him


async def test_a_restart_while_a_reminder_is_pending_rebuilds_the_schedule(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, JOHN, "/join donor Norway")
        await bot.say(JOHN, JOHN, "/start")
        await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring")
    # the bot is down when the 14-day reminder falls due; it comes back an hour later
    clock.set(MEETING - timedelta(days=14) + timedelta(hours=1))
    async with started_bot(emu, db_url, clock) as bot:
        reminder = await emu.wait_for(lambda m: m.chat_id == JOHN and "⏰" in m.text)
        assert "Spring" in reminder.text
        await bot.dispatcher.tick()
    assert len([m for m in emu.sent if m.chat_id == JOHN and "⏰" in m.text]) == 1
    async with Database(db_url).transaction() as s:
        sent = (await s.exec(select(Reminder).where(Reminder.label == "14d"))).one()
    assert sent.state == "done" and sent.note.startswith("late by")


async def test_late_and_dropped_reminders_are_reported_to_managers(coalition):
    bot = coalition
    await _prepare(bot)
    # everything fell due while the bot was away, and the meeting has started
    bot.clock.set(MEETING + timedelta(minutes=10))
    await bot.dispatcher.tick()
    await bot.runtime.sender.idle()  # the notices leave through the sender after the tick
    assert _reminders_to(bot, JOHN) == []
    notices = [m for m in bot.sent_to(SALIM) if "M1" in m.text and "not sent" in m.text]
    assert len(notices) == 1  # one notice for the last reminder; the earlier ones were superseded
    states = {r.label: (r.state, r.note) for r in await bot.rows(Reminder)}
    assert states["1d"] == ("dropped", "meeting already started")
    assert states["14d"] == states["7d"] == ("dropped", "superseded by a later reminder")


async def test_after_downtime_only_the_latest_due_reminder_is_sent(coalition):
    bot = coalition
    await _prepare(bot)
    bot.clock.set(MEETING - timedelta(days=6))  # the 14d and 7d reminders are both due
    await bot.dispatcher.tick()
    await bot.runtime.sender.idle()  # the late notice leaves through the sender after the tick
    (_reminder,) = _reminders_to(bot, JOHN)
    late = [m for m in bot.sent_to(SALIM) if "sent late" in m.text]
    assert len(late) == 1


async def test_a_member_who_blocked_the_bot_is_marked_and_others_are_served(coalition):
    bot = coalition
    await _prepare(bot)
    bot.emu.block(JOHN)
    await bot.idle()
    bot.clock.set(MEETING - timedelta(days=7))
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, SALIM)) == 1
    john = next(p for p in await bot.rows(Person) if p.tg_user_id == JOHN)
    assert john.unreachable
    states = sorted(d.state for d in await bot.rows(Delivery))
    assert states == ["sent", "sent", "unreachable"]
    listing = await bot.say(GROUP, ADMIN, "/members")
    assert "John @john ⚠" in listing.text
    # the 403 was expected here; the fixture checks that nothing else was refused
    bot.emu.requests[:] = [r for r in bot.emu.requests if r.status != 403]


async def test_transient_server_errors_are_retried(coalition):
    bot = coalition
    await _prepare(bot)
    bot.dispatcher.backoff = (0.01, 0.02, 0.04)
    bot.emu.fail_next("sendMessage", 502, times=2)
    bot.emu.drop_next("sendMessage", times=1)
    bot.clock.set(MEETING - timedelta(days=7))
    await bot.dispatcher.tick()
    assert len(_reminders_to(bot, GROUP)) == 1
    assert len(_reminders_to(bot, JOHN)) == 1 and len(_reminders_to(bot, SALIM)) == 1


async def test_a_429_storm_during_fan_out_delays_but_loses_and_repeats_nothing(emu, db_url, clock):
    emu.flood_control = True
    async with started_bot(emu, db_url, clock, rate_limit=True) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        members = list(range(8000, 8025))
        await _add_reachable_members(bot, members)
        await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring", timeout=30)
        emu.fail_next("sendMessage", 429, times=4)
        clock.set(MEETING - timedelta(days=7))
        await bot.dispatcher.tick()
        for user in members:
            assert len([m for m in emu.sent if m.chat_id == user and "⏰" in m.text]) == 1
        assert len([m for m in emu.sent if m.chat_id == GROUP and "⏰" in m.text]) == 1
        assert sum(1 for r in emu.requests if r.status == 429) >= 4


async def _add_reachable_members(bot, user_ids):
    """Members who joined and started the bot earlier (set up directly, to keep the group quiet)."""
    from bot.services import coalitions, members
    from bot.services.members import PersonInfo

    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        coalition = await coalitions.by_chat(s, GROUP)
        for user in user_ids:
            bot.emu.add_user(user, f"Member {user}")
            bot.emu.started.add(user)
            person = await members.upsert_person(s, PersonInfo(user, f"Member {user}"))
            person.can_message = True
            await members.join(s, coalition, person, "observer", None, bot.clock.now())
    await db.dispose()


async def test_the_cadence_watchdog_nudges_privately_then_weekly(coalition):
    from jobs.watchdogs import run_watchdogs

    bot = coalition
    for user in (SALIM,):
        await bot.say(user, user, "/start")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    context = type("Ctx", (), {"runtime": bot.app.bot_data["runtime"]})()
    bot.clock.set(bot.clock.now() + timedelta(days=150))  # set up in January: due from mid-May
    assert await run_watchdogs(context) == 1
    await bot.dispatcher.tick()
    nudges = [m for m in bot.sent_to(SALIM) if "📆" in m.text]
    assert len(nudges) == 1 and "6 months" in nudges[0].text
    assert await run_watchdogs(context) == 0  # same day: nothing new
    bot.clock.set(bot.clock.now() + timedelta(days=7))
    assert await run_watchdogs(context) == 1
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(SALIM) if "📆" in m.text]) == 2
    assert [m for m in bot.sent_to(JOHN) if "📆" in m.text] == []  # donors are not nudged


async def test_the_day_after_a_meeting_managers_are_prompted(coalition):
    bot = coalition
    await _prepare(bot)
    bot.clock.set(MEETING + timedelta(days=1, hours=2, seconds=1))
    await bot.dispatcher.tick()
    prompts = [m for m in bot.sent_to(SALIM) if "took place yesterday" in m.text]
    assert len(prompts) == 1 and [m for m in bot.sent_to(JOHN) if "took place" in m.text] == []
