"""Issue 6 end to end: treaty deadlines (`/deadline`, `/deadlines`) and their alerts 24, 12,
6 and 3 months before, delivered by the reminder engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Reminder, TreatyDeadline
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, started_bot


async def _alerts(bot) -> dict[str, tuple[str, datetime]]:
    return {r.key: (r.state, r.due_at) for r in await bot.rows(Reminder) if r.kind == "deadline"}


async def test_a_manager_sets_a_deadline_and_its_alerts_are_planned(coalition):
    bot = coalition  # 10 January 2027; Beirut is UTC+2 in winter, UTC+3 in summer
    reply = await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    assert "clearance (Article 4)" in reply.text and "August 1, 2028" in reply.text
    assert "in 19 months" in reply.text
    assert "August 1, 2027" in reply.text and "February 1, 2028" in reply.text and "May 1, 2028" in reply.text
    (deadline,) = await bot.rows(TreatyDeadline)
    # 24 months before (1 August 2026) has passed: three alerts, at 09:00 Beirut time
    assert await _alerts(bot) == {
        f"deadline:{deadline.id}:r1:12m": ("pending", datetime(2027, 8, 1, 6, 0, tzinfo=UTC)),
        f"deadline:{deadline.id}:r1:6m": ("pending", datetime(2028, 2, 1, 7, 0, tzinfo=UTC)),
        f"deadline:{deadline.id}:r1:3m": ("pending", datetime(2028, 5, 1, 6, 0, tzinfo=UTC)),
    }
    article3 = await bot.say(GROUP, ADMIN, "/deadline article3 2030-01-01")
    assert "stockpile destruction (Article 3)" in article3.text
    assert len(await _alerts(bot)) == 7


async def test_bad_deadlines_are_refused_and_nothing_is_planned(coalition):
    bot = coalition
    cases = [
        (NADIA, "/deadline article4 2028-08-01", "managers"),
        (ADMIN, "/deadline article5 2028-08-01", "article5"),
        (ADMIN, "/deadline article4 2028-02-30", "2028-02-30"),
        (ADMIN, "/deadline article4 1/8/2028", "1/8/2028"),
        (ADMIN, "/deadline article4 2027-01-10", "2027-01-10"),
        (ADMIN, "/deadline article4", "/deadline article3|article4|msp YYYY-MM-DD"),
    ]
    for user, command, expected in cases:
        reply = await bot.say(GROUP, user, command)
        assert expected in reply.text, (command, reply.text)
    private = await bot.say(ADMIN, ADMIN, "/deadline article4 2028-08-01")
    assert "مجموعة الائتلاف" in private.text  # Rania reads Arabic: the command works in the group
    assert await bot.rows(TreatyDeadline) == [] and await _alerts(bot) == {}


async def test_moving_a_deadline_drops_pending_alerts_and_plans_new_ones(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    same = await bot.say(GROUP, ADMIN, "/deadline 4 2028-08-01")  # unchanged: nothing re-planned
    assert "August 1, 2028" in same.text
    moved = await bot.say(GROUP, ADMIN, "/deadline article4 2029-03-01")
    assert "March 1, 2029" in moved.text
    (deadline,) = await bot.rows(TreatyDeadline)
    assert deadline.revision == 2
    alerts = await _alerts(bot)
    assert {k: s for k, (s, _) in alerts.items() if ":r1:" in k} == {
        f"deadline:{deadline.id}:r1:{m}m": "dropped" for m in (12, 6, 3)
    }
    assert {k: due for k, (s, due) in alerts.items() if s == "pending"} == {
        f"deadline:{deadline.id}:r2:24m": datetime(2027, 3, 1, 7, 0, tzinfo=UTC),
        f"deadline:{deadline.id}:r2:12m": datetime(2028, 3, 1, 7, 0, tzinfo=UTC),
        f"deadline:{deadline.id}:r2:6m": datetime(2028, 9, 1, 6, 0, tzinfo=UTC),
        f"deadline:{deadline.id}:r2:3m": datetime(2028, 12, 1, 7, 0, tzinfo=UTC),
    }


async def _authority(bot) -> None:
    """Salim is the national authority, reads Arabic privately; John (donor) can be written to."""
    for user in (SALIM, JOHN):
        await bot.say(user, user, "/start")
    await bot.say(SALIM, SALIM, "/language ar")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")


async def test_an_alert_goes_to_the_group_and_the_national_authority_once(coalition):
    bot = coalition
    await _authority(bot)
    await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    bot.clock.set(datetime(2027, 8, 1, 6, 0, 1, tzinfo=UTC))
    await bot.dispatcher.tick()
    group = [m for m in bot.sent_to(GROUP) if "⏳" in m.text]
    assert len(group) == 1 and "clearance (Article 4)" in group[0].text and "in 12 months" in group[0].text
    private = [m for m in bot.sent_to(SALIM) if "⏳" in m.text]
    assert len(private) == 1 and private[0].text.startswith("⏳ ") and "المادة 4" in private[0].text
    assert "12 شهرًا" in private[0].text
    assert [m for m in bot.sent_to(JOHN) if "⏳" in m.text] == []  # donors are not alerted
    await bot.dispatcher.tick()
    bot.clock.advance(timedelta(minutes=5))
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(GROUP) if "⏳" in m.text]) == 1
    states = sorted((r.label, r.state) for r in await bot.rows(Reminder) if r.kind == "deadline")
    assert states == [("12m", "done"), ("3m", "pending"), ("6m", "pending")]


async def test_an_alert_due_while_the_bot_was_down_is_sent_at_start(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    clock.set(datetime(2028, 2, 1, 9, 0, tzinfo=UTC))  # the 6-month alert fell due two hours ago
    async with started_bot(emu, db_url, clock):
        alert = await emu.wait_for(lambda m: m.chat_id == GROUP and "⏳" in m.text)
        assert "in 6 months" in alert.text
    # the 12-month alert of August 2027 was due too: both are sent, each once
    assert len([m for m in emu.sent if m.chat_id == GROUP and "⏳" in m.text]) == 2


async def test_deadlines_show_a_countdown_in_the_readers_language(coalition):
    bot = coalition
    empty = await bot.say(GROUP, JOHN, "/deadlines")
    assert "No treaty deadline is set" in empty.text
    await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    await bot.say(GROUP, ADMIN, "/deadline article3 2027-03-01")
    listing = await bot.say(GROUP, JOHN, "/deadlines")
    assert "clearance (Article 4): August 1, 2028, in 19 months" in listing.text
    assert "stockpile destruction (Article 3): March 1, 2027, in 7 weeks" in listing.text
    await bot.say(NADIA, NADIA, "/start")
    private = await bot.say(NADIA, NADIA, "/deadlines")
    assert "1er août 2028" in private.text and "dans 19 mois" in private.text
    assert "Liban" in private.text
    await bot.say(GROUP, ADMIN, "/language ar")
    arabic = await bot.say(GROUP, JOHN, "/deadlines")
    assert "آب 2028" in arabic.text and "خلال 19 شهرًا" in arabic.text
