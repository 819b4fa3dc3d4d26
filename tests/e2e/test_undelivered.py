"""Messages Telegram refused for good are told to the managers (SPEC §11): one private notice
per coalition, at most one a day, ten minutes after the first failure, naming each failure once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import AgendaPoll, Delivery, OutboxMessage, Reminder
from bot.services import undelivered
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM

MEETING = datetime(2027, 4, 15, 6, 30, tzinfo=UTC)  # 09:30 in Beirut


async def _managed(bot):
    """Salim (national authority) manages; Nadia, John and Salim started the bot."""
    for user in (NADIA, JOHN, SALIM):
        await bot.say(user, user, "/start")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")


def _notices(bot, chat_id):
    return [m for m in bot.sent_to(chat_id) if m.text.startswith("⚠️") and "did not arrive" in m.text]


async def _look(bot):
    await bot.dispatcher.tick()
    await bot.runtime.sender.idle()


async def test_a_reminder_a_member_could_not_receive_is_told_to_the_managers_once(coalition):
    bot = coalition
    await _managed(bot)
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting @ LMAC")
    bot.emu.block(JOHN)
    bot.clock.set(MEETING - timedelta(days=7))
    await _look(bot)  # the 7-day reminder: John's is refused (403)
    assert {d.state for d in await bot.rows(Delivery)} == {"sent", "unreachable"}
    assert _notices(bot, SALIM) == []  # not at once: one notice for the whole fan-out
    bot.clock.advance(undelivered.DELAY)
    await _look(bot)
    (notice,) = _notices(bot, SALIM)
    assert "John @john blocked the bot and missed 1 reminder or notice" in notice.text
    assert "/start" in notice.text and "/members" in notice.text
    assert _notices(bot, NADIA) == _notices(bot, JOHN) == []  # managers only
    bot.clock.advance(timedelta(hours=1))
    await _look(bot)
    assert len(_notices(bot, SALIM)) == 1  # each failure named once
    (john,) = [d for d in await bot.rows(Delivery) if d.state == "unreachable"]
    assert john.reported_in is not None
    bot.emu.requests[:] = [r for r in bot.emu.requests if r.status != 403]  # John's refusal was the point


async def test_a_durable_message_telegram_refused_is_told_and_a_later_failure_waits_for_the_next_day(coalition):
    bot = coalition
    await _managed(bot)
    bot.emu.fail_next("sendPoll", status=400)
    await bot.emu.send(GROUP, SALIM, "/poll Spring agenda | Survey | Clearance")
    await bot.idle()
    (row,) = await bot.rows(OutboxMessage)
    assert row.state == "failed"  # kept, for the notice to name
    bot.clock.advance(undelivered.DELAY)
    await _look(bot)
    (notice,) = _notices(bot, SALIM)
    assert "Telegram refused 1 message to the group" in notice.text
    # another refusal the same day, after the day's notice: the next day's notice names it
    bot.emu.fail_next("sendPoll", status=400)
    await bot.emu.send(GROUP, SALIM, "/poll Autumn agenda | Survey | Clearance")
    await bot.idle()
    bot.clock.advance(undelivered.DELAY)
    await _look(bot)
    assert len(_notices(bot, SALIM)) == 1
    planned = sorted(r.due_at for r in await bot.rows(Reminder) if r.kind == "undelivered")
    next_day = planned[-1].astimezone(ZoneInfo("Asia/Beirut"))
    assert (next_day.hour, next_day.minute) == (9, 0) and next_day.date() > bot.clock.now().date()
    bot.clock.set(planned[-1])
    await _look(bot)
    notices = _notices(bot, SALIM)
    assert len(notices) == 2 and "Telegram refused 1 message to the group" in notices[1].text
    assert {p.message_id for p in await bot.rows(AgendaPoll)} == {None}  # never posted
    bot.emu.requests[:] = [r for r in bot.emu.requests if not r.injected]  # the refusals were the point
