"""Durable messages (SPEC §11): a poll, a summary and an anonymous concern are rows written with
the change they report, so a process stopped between the commit and the send (Telegram
unreachable meanwhile, the dispatcher not yet run) delivers them after a restart, once.

Each test runs the bot twice on one database: the first life commits the change while the
Bot API is down and stops before its dispatcher looks; the second starts after the dead
process's lease has run out.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.models import AgendaPoll, Concern, Delivery, OutboxMessage, PollOption, Reminder, Worker
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, dump_database, started_bot

LEASE_OVER = timedelta(minutes=2)  # longer than the dead process's leases and heartbeat


async def _set_up(bot) -> None:
    await bot.emu.add_bot_to_group(GROUP, ADMIN)
    await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
    await bot.say(GROUP, NADIA, "/join operator NPA")
    await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
    for user in (ADMIN, NADIA, JOHN):
        await bot.say(user, user, "/start")


async def test_a_poll_stopped_between_commit_and_send_is_posted_once_after_a_restart(emu, db_url, clock):
    async with started_bot(emu, db_url, clock, ticking=False) as bot:
        await _set_up(bot)
        emu.outage(3600)
        await emu.send(GROUP, ADMIN, "/poll Spring agenda | Survey | Clearance | Risk education")
        await bot.idle(replies=False)
        (poll,) = await bot.rows(AgendaPoll)  # stored with the command: its options are taken
        assert poll.tg_poll_id is None and poll.message_id is None
        assert [o.text for o in await bot.rows(PollOption)] == ["Survey", "Clearance", "Risk education"]
        (row,) = await bot.rows(OutboxMessage)
        assert row.state == "pending" and "send_poll" in row.request and row.ref == poll.id
    emu.outage(0)
    clock.advance(LEASE_OVER)
    async with started_bot(emu, db_url, clock) as bot:
        posted = await emu.wait_for(lambda m: m.chat_id == GROUP and m.kind == "poll", 10)
        await bot.runtime.sender.idle()
        assert posted.poll["question"] == "Spring agenda" and posted.poll["allows_multiple_answers"]
        (poll,) = await bot.rows(AgendaPoll)
        assert (poll.tg_poll_id, poll.message_id) == (posted.poll["id"], posted.message_id)
        assert await bot.rows(OutboxMessage) == []
        await emu.poll_answer(posted.poll["id"], NADIA, [0, 2])  # Telegram's counts reach the stored poll
        await bot.idle()
        assert [o.votes for o in await bot.rows(PollOption)] == [1, 0, 1]
        await bot.dispatcher.tick()
    assert len([m for m in emu.sent if m.kind == "poll"]) == 1
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_a_summary_stopped_between_commit_and_send_reaches_the_group_and_members_once(emu, db_url, clock):
    async with started_bot(emu, db_url, clock, ticking=False) as bot:
        await _set_up(bot)
        await bot.say(GROUP, ADMIN, "/meeting 2027-01-12 09:00 Winter meeting")
        clock.set(clock.now() + timedelta(days=2))  # the meeting has been held
        await emu.send(GROUP, ADMIN, "/note Sector 4 comes first")  # acknowledged with a reaction
        await bot.idle()
        emu.outage(3600)
        await emu.send(GROUP, ADMIN, "/summary")
        await bot.idle(replies=False)
        (post,) = await bot.rows(OutboxMessage)
        assert "Summary of meeting" in post.parts and post.chat_id == GROUP
        (copies,) = [r for r in await bot.rows(Reminder) if r.kind == "summary"]
        assert copies.state == "pending"
    emu.outage(0)
    clock.advance(LEASE_OVER)
    async with started_bot(emu, db_url, clock) as bot:
        for chat in (GROUP, NADIA, JOHN):  # in each reader's language (Rania administers, not a member)
            await emu.wait_for(lambda m, c=chat: _summary(m, c), 10)
        await bot.dispatcher.tick()
        await bot.runtime.sender.idle()
        assert await bot.rows(OutboxMessage) == []
    for chat in (GROUP, NADIA, JOHN):
        assert len([m for m in emu.sent if _summary(m, chat)]) == 1
    assert [(r.method, r.error) for r in emu.rejected] == []


def _summary(message, chat: int) -> bool:
    return message.chat_id == chat and message.text.startswith("📝") and "Winter meeting" in message.text


async def test_a_concern_stopped_between_commit_and_send_reaches_the_facilitator_once_and_leaves_no_time(
    emu, db_url, clock: FrozenClock
):
    async with started_bot(emu, db_url, clock, ticking=False) as bot:
        await _set_up(bot)
        await bot.say(GROUP, ADMIN, "/join facilitator LMAC")
        recipients = await bot.say(NADIA, NADIA, "/concern Survey results are being altered.")
        emu.outage(3600)
        await emu.press(NADIA, recipients.message_id, NADIA, recipients.buttons()[0]["callback_data"])
        await bot.idle(replies=False)
        (concern,) = await bot.rows(Concern)
        (delivery,) = [r for r in await bot.rows(Reminder) if r.kind == "concern"]
        assert delivery.due_at == concern.created_at  # the day, nothing finer
        assert delivery.lease_until is None and delivery.finished_at is None and delivery.note == ""
        # the confirmation to the sender is held in memory only: no row names her chat
        assert await bot.rows(OutboxMessage) == []
        tables = await dump_database(db_url)
        for name in ("outbox_message", "reminder", "delivery", "concern", "concern_limit", "concern_quota"):
            assert not any(str(NADIA) in cell for row in tables[name] for _, cell in row), name
    emu.outage(0)
    clock.advance(LEASE_OVER)
    async with started_bot(emu, db_url, clock, ticking=False) as bot:
        await bot.dispatcher.tick()
        await bot.runtime.sender.idle()
        facilitator = await emu.wait_for(lambda m: m.chat_id == ADMIN and "Survey results" in m.text, 10)
        assert "C1" in facilitator.text
        # delivered: the delivery is gone with its recipients, only the concern stays (with its day)
        assert [r for r in await bot.rows(Reminder) if r.kind == "concern"] == []
        assert await bot.rows(Delivery) == []
        assert [w.name for w in await bot.rows(Worker)] == [bot.dispatcher.worker]
        await bot.dispatcher.tick()
    assert len([m for m in emu.sent if m.chat_id == ADMIN and "Survey results" in m.text]) == 1
    assert [m for m in emu.sent if m.chat_id == NADIA and "Survey results" in m.text] == []
