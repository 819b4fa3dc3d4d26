"""The one way out (SPEC §11, §12) against the emulator: faults, outages, flood limits, splitting.

Flood-limit and outage tests run on a `FastClock` shared with the emulator, so Telegram's
minute-long windows and a three-minute outage take seconds of wall time.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.clock import FastClock, FrozenClock
from bot.models import Delivery, Meeting, OutboxMessage
from bot.services import coalitions, meetings, members
from bot.services.coalitions import SetupRequest
from bot.services.meetings import MeetingRequest
from bot.services.members import PersonInfo
from bot.store.database import Database
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, started_bot

OTHER_GROUP = -2002
START = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


async def _big_coalition(emu, db_url: str, chat: int, size: int, *, reachable: bool) -> dict[int, int]:
    """A coalition of `size` members with a meeting whose 1-day reminder is due 1 h after START."""
    db = Database(db_url)
    people = {}
    async with db.transaction() as s:
        emu.add_group(chat, f"Coalition {chat}")
        coalition, _ = await coalitions.setup(s, chat, "G", SetupRequest("Lebanon"), START)
        coalition.reminder_offsets = "1d"
        for m in range(size):
            user = 100_000 + m
            emu.add_user(user, f"Member {user}")
            if reachable:
                emu.started.add(user)
            person = await members.upsert_person(s, PersonInfo(user, f"Member number {user}"))
            person.can_message = reachable
            await members.join(s, coalition, person, "operator", f"Org {m % 5}", START)
            people[user] = person.id
        request = MeetingRequest(START + timedelta(days=1, hours=1), "Meeting", "")
        await meetings.schedule(s, coalition, request, START)
    await db.dispose()
    return people


def _reminders(emu) -> Counter:
    return Counter(m.chat_id for m in emu.sent if m.chat_id > 0 and "⏰" in m.text)


async def _rows(db_url: str, model) -> list:
    db = Database(db_url)
    async with db.transaction() as s:
        rows = list((await s.exec(select(model))).all())
    await db.dispose()
    return rows


async def test_a_reply_survives_two_5xx_and_a_connection_dropped_before_it_was_applied(coalition):
    bot = coalition
    bot.emu.fail_next("sendMessage", 502, times=2)
    bot.emu.drop_next("sendMessage")
    seen = bot.snapshot()
    await bot.emu.send(GROUP, ADMIN, "/help")
    await bot.idle(timeout=30)
    assert len(bot.replies(GROUP, seen)) == 1  # arrived, exactly once
    assert bot.runtime.sender.stats.retried == 3


async def test_a_connection_dropped_after_it_was_applied_gives_one_counted_duplicate(coalition):
    bot = coalition
    bot.emu.drop_next("sendMessage", after_apply=True)
    seen = bot.snapshot()
    await bot.emu.send(GROUP, ADMIN, "/help")
    await bot.idle(timeout=30)
    assert len(bot.replies(GROUP, seen)) == 2  # a duplicate is preferred to a loss
    assert bot.runtime.sender.stats.possible_duplicates == 1


async def test_a_long_mention_list_is_delivered_and_no_part_is_sent_twice(emu, db_url, clock: FrozenClock):
    people = await _big_coalition(emu, db_url, GROUP, 300, reachable=False)
    async with started_bot(emu, db_url, clock) as bot:
        emu.fail_next("sendMessage", 502, skip=1)  # the second part fails once
        clock.set(START + timedelta(hours=1, seconds=1))
        await bot.dispatcher.tick()
        await bot.runtime.sender.idle()
        posts = bot.sent_to(GROUP)
        assert len(posts) >= 3
        links = re.findall(r"tg://user\?id=(\d+)", "".join(p.params["text"] for p in posts))
        assert set(links) == {str(user) for user in people}  # everyone named
        assert len({p.params["text"] for p in posts}) == len(posts)  # no part sent twice
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_a_three_minute_outage_during_a_fan_out_loses_nothing_and_repeats_nothing(emu, db_url):
    clock = FastClock(START, speed=60)
    emu.use_clock(clock.monotonic)
    emu.flood_control = True
    people = await _big_coalition(emu, db_url, GROUP, 200, reachable=True)
    async with started_bot(emu, db_url, clock, rate_limit=True) as bot:
        clock.set(START + timedelta(hours=1, seconds=1) - timedelta(seconds=clock.monotonic()))
        emu.outage(180)
        await asyncio.wait_for(bot.dispatcher.tick(), 60)
        assert _reminders(emu) == Counter(dict.fromkeys(people, 1))
        assert {d.state for d in await _rows(db_url, Delivery)} == {"sent"}
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_a_flooded_group_delays_neither_another_coalitions_reply_nor_its_own_reminder(emu, db_url):
    clock = FastClock(START, speed=20)
    emu.use_clock(clock.monotonic)
    emu.flood_control = True
    await _big_coalition(emu, db_url, GROUP, 3, reachable=False)
    emu.add_group(OTHER_GROUP, "Other coalition", admins=[ADMIN], creator=ADMIN)
    async with started_bot(emu, db_url, clock, rate_limit=True) as bot:
        for _ in range(30):
            await emu.send(GROUP, ADMIN, "/help")
        await bot.idle(timeout=30, replies=False)
        seen = bot.snapshot()
        await emu.send(OTHER_GROUP, ADMIN, "/help")
        await bot.next(OTHER_GROUP, seen, timeout=30)
        assert len(bot.sent_to(GROUP)) < 30  # the other coalition did not wait behind the flood
        clock.set(START + timedelta(hours=1, seconds=1) - timedelta(seconds=clock.monotonic()))
        await bot.dispatcher.tick()
        reminder = await bot.next(GROUP, seen, contains="⏰", timeout=30)
        helps = [m for m in bot.sent_to(GROUP) if "⏰" not in m.text]
        assert len(helps) < 30  # the reminder went ahead of the replies still waiting
        await asyncio.wait_for(bot.runtime.sender.idle(), 60)
        assert reminder in bot.sent_to(GROUP)
        marker = helps[0].text.splitlines()[0]
        answers = sum(m.text.count(marker) for m in bot.sent_to(GROUP) if "⏰" not in m.text)
        assert answers == 30  # every /help answered, those that waited over 30 s merged
        assert len(bot.sent_to(GROUP)) < 31
    assert emu.flood_responses == []


async def test_a_crash_between_commit_and_send_still_delivers_the_announcement(emu, db_url, clock: FrozenClock):
    async with started_bot(emu, db_url, clock) as bot:
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        emu.outage(3600)
        await emu.send(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring")
        await bot.idle(replies=False)
    # the process is gone; its row is still there, leased to it
    (row,) = await _rows(db_url, OutboxMessage)
    assert row.state == "pending" and "M1" in row.parts
    emu.outage(0)
    clock.advance(timedelta(minutes=2))  # the dead process's lease ends
    async with started_bot(emu, db_url, clock) as bot:
        announcement = await bot.emu.wait_for(lambda m: m.chat_id == GROUP and m.buttons() and "M1" in m.text, 10)
        await bot.runtime.sender.idle()
        (meeting,) = await _rows(db_url, Meeting)
        assert meeting.announcement_message_id == announcement.message_id
        assert await _rows(db_url, OutboxMessage) == []
        assert len([m for m in bot.sent_to(GROUP) if m.buttons() and "M1" in m.text]) == 1


async def test_one_persons_commands_beyond_five_a_minute_are_answered_privately_or_ignored(coalition):
    bot = coalition
    bot.runtime.throttle.per_minute = 5
    await bot.say(JOHN, JOHN, "/start")
    seen = bot.snapshot()
    for _ in range(7):
        await bot.emu.send(GROUP, JOHN, "/help")
    for _ in range(7):
        await bot.emu.send(GROUP, NADIA, "/help")  # never started the bot: it may not write to her
    for _ in range(3):
        await bot.emu.send(GROUP, SALIM, "/meetings")  # not a member
    await bot.idle(timeout=20)
    in_group = bot.replies(GROUP, seen)
    assert len(bot.replies(JOHN, seen)) == 2  # John's sixth and seventh, privately
    warnings = [m for m in in_group if "Too many commands" in m.text]
    assert len(warnings) == 1  # Nadia is told once, then ignored for the minute
    assert len(in_group) == 5 + 5 + 1 + 1  # John's five, Nadia's five and the warning, Salim's one
