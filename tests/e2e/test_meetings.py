"""Issue 3 end to end: scheduling, the RSVP buttons, lists, reschedule, cancel, calendar file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from icalendar import Calendar

from bot.models import Reminder, Rsvp
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM


async def _announce(bot, text="/meeting 2027-04-15 09:30 Spring coalition meeting @ LMAC, Beirut"):
    bot.app.bot_data["runtime"].announcements.delay = 0.05
    return await bot.say(GROUP, ADMIN, text)


async def test_a_manager_schedules_a_meeting_with_rsvp_buttons(coalition):
    bot = coalition
    announcement = await _announce(bot)
    assert "M1" in announcement.text and "Spring coalition meeting" in announcement.text
    assert "Thursday, April 15, 2027" in announcement.text and "9:30" in announcement.text
    assert "LMAC, Beirut" in announcement.text
    assert [b["text"] for b in announcement.buttons()] == ["Attending", "Attending online", "Not attending"]
    reminders = await bot.rows(Reminder)
    assert sorted(r.label for r in reminders if r.kind == "meeting") == ["14d", "1d", "7d"]
    # 09:30 in Beirut (UTC+3 in April) is 06:30 UTC
    assert min(r.due_at for r in reminders if r.label == "1d") == datetime(2027, 4, 14, 6, 30, tzinfo=UTC)


async def test_non_managers_may_not_schedule(coalition):
    bot = coalition
    reply = await bot.say(GROUP, NADIA, "/meeting 2027-04-15 09:30 Mine")
    assert "managers" in reply.text
    assert await bot.rows(Reminder) == []


async def test_bad_dates_are_refused(coalition):
    bot = coalition
    reply = await bot.say(GROUP, ADMIN, "/meeting 2027-02-30 09:30 X")
    assert "2027-02-30 09:30" in reply.text
    reply = await bot.say(GROUP, ADMIN, "/meeting 2020-01-01 09:30 X")
    assert "future" in reply.text


async def test_the_meeting_dialog_asks_step_by_step(coalition):
    bot = coalition
    ask = await bot.say(GROUP, ADMIN, "/meeting")
    assert "YYYY-MM-DD HH:MM" in ask.text and ask.reply_markup["force_reply"]
    # with privacy mode on, the bot sees the answers because they reply to its questions
    again = await bot.say(GROUP, ADMIN, "next thursday", reply_to=ask.message_id)
    assert "next thursday" in again.text  # refused, still at the first step
    title = await bot.say(GROUP, ADMIN, "2027-05-20 10:00", reply_to=ask.message_id)
    assert "title" in title.text
    place = await bot.say(GROUP, ADMIN, "Technical Working Group", reply_to=title.message_id)
    assert "Where" in place.text
    announcement = await bot.say(GROUP, ADMIN, "UNDP office", reply_to=place.message_id)
    assert "Technical Working Group" in announcement.text and "UNDP office" in announcement.text


async def test_the_dialog_can_be_stopped(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/meeting")
    reply = await bot.say(GROUP, ADMIN, "/cancel")
    assert "nothing was scheduled" in reply.text


async def test_rsvp_presses_update_the_announcement_in_place(coalition):
    bot = coalition
    announcement = await _announce(bot)
    yes, online, no = (b["callback_data"] for b in announcement.buttons())
    answer = await bot.press(announcement, NADIA, yes)
    assert "Présent" in answer["text"]
    await bot.press(announcement, JOHN, online)
    await bot.press(announcement, JOHN, no)  # changed mind
    await bot.press(announcement, JOHN, no)  # same again: no error, no edit
    edited = await bot.emu.wait_for(
        lambda m: (
            m.message_id == announcement.message_id
            and "Attending: 1 · Attending online: 0 · Not attending: 1" in m.text
        )
    )
    assert edited.edits >= 1 and len([m for m in bot.sent_to(GROUP) if "Spring" in m.text]) == 1
    assert sorted(r.answer for r in await bot.rows(Rsvp)) == ["no", "yes"]


async def test_a_burst_of_presses_costs_few_edits(coalition):
    bot = coalition
    announcement = await _announce(bot)
    bot.app.bot_data["runtime"].announcements.delay = 0.5
    yes = announcement.buttons()[0]["callback_data"]
    for i in range(30):
        bot.emu.add_user(7000 + i, f"P{i}")
        await bot.emu.send(GROUP, 7000 + i, "/join observer")
    await bot.idle()
    edits_before = sum(1 for r in bot.emu.requests if r.method == "editMessageText")
    ids = [await bot.emu.press(GROUP, announcement.message_id, 7000 + i, yes) for i in range(30)]
    await bot.idle()
    answers = [await bot.emu.wait_callback_answer(i) for i in ids]
    assert all(a["text"] for a in answers)
    await bot.emu.wait_for(lambda m: m.message_id == announcement.message_id and "Attending: 30 ·" in m.text)
    await asyncio.sleep(0.7)
    edits = sum(1 for r in bot.emu.requests if r.method == "editMessageText") - edits_before
    assert 1 <= edits <= 3


async def test_forged_foreign_and_stale_presses_change_nothing(coalition):
    bot = coalition
    announcement = await _announce(bot)
    yes = announcement.buttons()[0]["callback_data"]
    stranger = await bot.press(announcement, SALIM, yes)
    assert "/join" in stranger["text"]
    # another coalition's meeting, pressed from this group
    bot.emu.add_group(-3003, "Laos", admins=[ADMIN], creator=ADMIN)
    await bot.say(-3003, ADMIN, "/setup Laos Asia/Vientiane en")
    other = await bot.say(-3003, ADMIN, "/meeting 2027-06-01 09:00 Laos meeting")
    other_yes = other.buttons()[0]["callback_data"]
    # the emulator only lets a user press buttons that are on the message: put forged ones there
    forged = {
        "inline_keyboard": [
            [{"text": "x", "callback_data": other_yes}],
            [{"text": "y", "callback_data": "r:99999:yes"}],
            [{"text": "z", "callback_data": "r:1:maybe"}],
            [{"text": "w", "callback_data": "garbage"}],
        ]
    }
    announcement.message["reply_markup"] = forged
    announcement.reply_markup = forged
    answers = [await bot.press(announcement, NADIA, d) for d in (other_yes, "r:99999:yes", "r:1:maybe", "garbage")]
    assert "autre coalition" in answers[0]["text"] or "another coalition" in answers[0]["text"]
    assert all(a["text"] for a in answers)
    assert await bot.rows(Rsvp) == []


async def test_meetings_list_rsvps_and_private_view_in_both_zones(coalition):
    bot = coalition
    announcement = await _announce(bot)
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    listing = await bot.say(GROUP, JOHN, "/meetings")
    assert "M1" in listing.text and "Attending: 1" in listing.text
    report = await bot.say(GROUP, JOHN, "/rsvps M1")
    assert "NPA: Nadia" in report.text
    assert report.text.index("No answer yet") < report.text.index("Embassy of Norway: John")
    await bot.say(JOHN, JOHN, "/timezone Europe/Oslo")
    private = await bot.say(JOHN, JOHN, "/meetings")
    assert "9:30" in private.text and "8:30" in private.text and "your time" in private.text
    unknown = await bot.say(GROUP, JOHN, "/rsvps M9")
    assert "M9" in unknown.text


async def test_reschedule_tells_those_who_answered_and_moves_reminders(coalition):
    bot = coalition
    announcement = await _announce(bot)
    await bot.say(NADIA, NADIA, "/start")
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    seen = bot.snapshot()
    reply = await bot.say(GROUP, ADMIN, "/reschedule M1 2027-04-22 10:00")
    assert "M1" in reply.text and "April 22, 2027" in reply.text
    told = await bot.next(NADIA, seen)
    assert "22 avril 2027" in told.text
    pending = [r for r in await bot.rows(Reminder) if r.state == "pending" and r.kind == "meeting"]
    assert min(r.due_at for r in pending) == datetime(2027, 4, 8, 7, 0, tzinfo=UTC)
    await bot.emu.wait_for(lambda m: m.message_id == announcement.message_id and "April 22" in m.text)
    refused = await bot.say(GROUP, NADIA, "/reschedule M1 2027-04-23 10:00")
    assert "managers" in refused.text  # group replies are in the group's language


async def test_cancel_tells_those_who_answered_and_drops_reminders(coalition):
    bot = coalition
    announcement = await _announce(bot)
    yes, _online, no = (b["callback_data"] for b in announcement.buttons())
    await bot.say(NADIA, NADIA, "/start")
    await bot.press(announcement, NADIA, no)
    seen = bot.snapshot()
    reply = await bot.say(GROUP, ADMIN, "/cancel M1")
    assert "cancelled" in reply.text
    assert "annulée" in (await bot.next(NADIA, seen)).text
    assert {r.state for r in await bot.rows(Reminder)} == {"dropped"}
    edited = await bot.emu.wait_for(lambda m: m.message_id == announcement.message_id and "cancelled" in m.text)
    assert edited.buttons() == []
    # a press that was already on its way (an old client still shows the buttons)
    stale = {"inline_keyboard": [[{"text": "Attending", "callback_data": yes}]]}
    announcement.reply_markup = announcement.message["reply_markup"] = stale
    late = await bot.press(announcement, JOHN, yes)
    assert "cancelled" in late["text"]


async def test_ics_is_a_calendar_file_in_the_coalition_timezone(coalition):
    bot = coalition
    await _announce(bot)
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/ics M1")
    await bot.idle()
    document = await bot.next(GROUP, seen)
    assert document.kind == "document" and document.file_name == "meeting-M1.ics"
    event = Calendar.from_ical(document.file_data).walk("VEVENT")[0]
    assert event.decoded("dtstart").tzinfo.key == "Asia/Beirut"
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 15, 6, 30, tzinfo=UTC)
    assert "Spring coalition meeting" in str(event["summary"])


async def test_a_forum_topic_can_be_the_home_of_the_bots_posts(bot):
    forum = -100555
    bot.emu.add_group(forum, "Lebanon forum", admins=[ADMIN], creator=ADMIN, type="supergroup", is_forum=True)
    await bot.say(forum, ADMIN, "/setup Lebanon Asia/Beirut en")
    seen = bot.snapshot()
    await bot.emu.send(forum, ADMIN, "/settings topic", thread_id=77)
    await bot.idle()
    answer = await bot.next(forum, seen)
    assert answer.thread_id == 77 and "topic" in answer.text
    seen = bot.snapshot()
    await bot.emu.send(forum, ADMIN, "/meeting 2027-04-15 09:30 Spring")  # from the general topic
    await bot.idle()
    announcement = await bot.next(forum, seen)
    assert announcement.thread_id == 77 and "Spring" in announcement.text
    bot.clock.set(datetime(2027, 4, 1, 6, 31, tzinfo=UTC))
    await bot.dispatcher.tick()
    reminder = await bot.emu.wait_for(lambda m: m.chat_id == forum and "⏰" in m.text)
    assert reminder.thread_id == 77
