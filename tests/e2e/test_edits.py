"""SPEC §3 "Edits" end to end: an edited message is never executed (commands, dialog steps,
`#AP` updates); the bot says so once per message, as a reply in the editor's language, and
in a group at most once per person per 10 minutes; plain edits pass silently."""

from __future__ import annotations

from datetime import timedelta

from bot.models import ActionPoint, Concern, EditNotice, Meeting, ProgressReport
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA

NOTICE_EN = "Edits are not applied"


async def _send(bot, chat, user, text, reply_to=None):
    message = await bot.emu.send(chat, user, text, reply_to=reply_to)
    await bot.idle()
    return message


async def _edit(bot, message, user, text):
    """Edit `message`; the bot's replies to that edit."""
    seen = bot.snapshot()
    await bot.emu.edit(message["chat"]["id"], message["message_id"], user, text)
    await bot.idle()
    return bot.replies(message["chat"]["id"], seen)


async def test_an_edited_meeting_command_schedules_nothing_and_is_answered_once(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language en")
    command = await _send(bot, GROUP, JOHN, "/help")
    sent = await _send(bot, GROUP, ADMIN, "/meeting 2027-03-10 09:00 Spring meetng @ Beirut")
    assert len(await bot.rows(Meeting)) == 1
    (notice,) = await _edit(bot, sent, ADMIN, "/meeting 2027-03-10 09:00 Spring meeting @ Beirut")
    assert notice.reply_to == sent["message_id"]
    assert "لا تُطبَّق" in notice.text and NOTICE_EN not in notice.text  # Rania reads Arabic, alone
    assert len(await bot.rows(Meeting)) == 1
    assert await _edit(bot, sent, ADMIN, "/meeting 2027-03-11 09:00 Spring meeting") == []  # once per message
    # John's first notice in this group, in English
    (johns,) = await _edit(bot, command, JOHN, "/help me")
    assert NOTICE_EN in johns.text
    assert len(await bot.rows(Meeting)) == 1


async def test_in_a_group_one_notice_per_person_per_ten_minutes(coalition):
    bot = coalition
    first = await _send(bot, GROUP, NADIA, "/members")
    second = await _send(bot, GROUP, NADIA, "/meetings")
    (notice,) = await _edit(bot, first, NADIA, "/members all")
    assert "modifications" in notice.text  # Nadia reads French
    assert await _edit(bot, second, NADIA, "/meetings all") == []
    bot.clock.advance(timedelta(minutes=11))
    third = await _send(bot, GROUP, NADIA, "/actions")
    assert len(await _edit(bot, third, NADIA, "/actions mine")) == 1
    assert {(n.chat_id, n.message_id) for n in await bot.rows(EditNotice)} == {
        (GROUP, first["message_id"]),
        (GROUP, third["message_id"]),
    }


async def test_plain_edits_and_commands_for_another_bot_pass_silently(coalition):
    bot = coalition
    plain = await _send(bot, JOHN, JOHN, "hello")
    assert await _edit(bot, plain, JOHN, "hello again") == []
    other = await _send(bot, JOHN, JOHN, "/help@some_other_bot")
    assert await _edit(bot, other, JOHN, "/help@some_other_bot now") == []
    unchanged = await _send(bot, JOHN, JOHN, "/help")
    (notice,) = await _edit(bot, unchanged, JOHN, "/help")  # Telegram also sends edits that change nothing
    assert NOTICE_EN in notice.text
    assert await bot.rows(EditNotice) == []  # private chats: remembered in memory only


async def test_an_edited_dialog_answer_is_not_taken_for_the_next_step(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language en")
    await bot.say(NADIA, NADIA, "/start")
    ask = await bot.say(NADIA, NADIA, "/report")
    period = await _send(bot, NADIA, NADIA, "2026-12", reply_to=ask.message_id)
    first = await _send(bot, NADIA, NADIA, "120")
    (notice,) = await _edit(bot, first, NADIA, "1200")
    assert "modifications" in notice.text and notice.reply_to == first["message_id"]
    assert len(await _edit(bot, period, NADIA, "2026-11")) == 1  # another answer, its own notice
    for answer in ["45000", "0", "0", "0", "0", "0", "0"]:  # the dialog goes on at the next field (… found last)
        await _send(bot, NADIA, NADIA, answer)
    (report,) = await bot.rows(ProgressReport)
    assert (report.period, report.cancelled, report.reduced) == ("2026-12", 120, 45000)


async def test_edited_concern_and_ap_updates_are_not_applied(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/role @nadia facilitator")
    for user in (NADIA, JOHN):
        await bot.say(user, user, "/start")
    concern = await _send(bot, JOHN, JOHN, "/concern Tasking is delayed for some")
    recipients = bot.sent_to(JOHN)[-1]
    assert len(await _edit(bot, concern, JOHN, "/concern Tasking is delayed for some operators")) == 1
    await bot.press(recipients, JOHN, recipients.buttons()[0]["callback_data"])
    (sent,) = await bot.rows(Concern)
    assert sent.text == "Tasking is delayed for some"  # the text as first sent, once
    await bot.say(GROUP, ADMIN, "/action @john Send the survey")
    (point,) = await bot.rows(ActionPoint)
    update = await _send(bot, GROUP, JOHN, "/update AP1 progress 40% sent to two sites")
    replies = await _edit(bot, update, JOHN, "/update AP1 done 100% sent everywhere")
    assert len(replies) == 1
    (point,) = await bot.rows(ActionPoint)
    assert point.status == "progress"
