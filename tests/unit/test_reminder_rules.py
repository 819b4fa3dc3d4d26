from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.models import Coalition, Delivery, Reminder
from bot.services import coalitions, reminders, watchdogs, workers
from bot.services.coalitions import SetupRequest
from bot.services.kinds import Kind
from bot.services.meetings import MeetingRequest, schedule
from bot.store.database import Database


async def _meeting_in(db, clock, delta):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon"), clock.now())
        return await schedule(s, coalition, MeetingRequest(clock.now() + delta, "", ""), clock.now())


async def test_a_due_reminder_is_claimed_by_one_worker_only(db, clock):
    await _meeting_in(db, clock, timedelta(days=1, hours=1))  # the 1d reminder is due in an hour
    later = clock.now() + timedelta(hours=2)
    async with db.transaction() as s:
        first = await reminders.claim_due(s, "a", later)
    async with db.transaction() as s:
        second = await reminders.claim_due(s, "b", later)
    assert [r.label for r in first] == ["1d"] and second == []


async def test_a_claim_whose_lease_expired_is_resumed_by_another_worker(db, clock):
    await _meeting_in(db, clock, timedelta(days=1, hours=1))
    later = clock.now() + timedelta(hours=2)
    async with db.transaction() as s:
        (claimed,) = await reminders.claim_due(s, "a", later)
        (queued,) = await reminders.queue_deliveries(s, claimed.id, [reminders.GROUP])
        assert await reminders.served(s, claimed.id) == set()  # queued only: a crash now resends it
        assert await reminders.queue_deliveries(s, claimed.id, [reminders.GROUP]) == [queued]
        await reminders.begin_delivery(s, queued)
    async with db.transaction() as s:
        assert await reminders.claim_due(s, "b", later + reminders.LEASE / 2) == []
        (resumed,) = await reminders.claim_due(s, "b", later + reminders.LEASE * 2)
        assert resumed.id == claimed.id and resumed.claimed_by == "b"
        assert await reminders.served(s, resumed.id) == {reminders.GROUP}
        assert not await reminders.renew(s, claimed, "a", later)


async def test_a_timeless_row_is_held_by_its_claimers_heartbeat_and_deleted_once_sent(db, clock):
    """SPEC §8: a concern's delivery keeps no time finer than the day, not even a lease's end."""
    day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon"), clock.now())
        s.add(Reminder(key="concern:1", coalition_id=coalition.id, kind=Kind.CONCERN, subject_id=1, due_at=day))
    async with db.transaction() as s:
        await workers.beat(s, "a", clock.now(), reminders.LEASE)
        (claimed,) = await reminders.claim_due(s, "a", clock.now())
        assert claimed.lease_until is None and claimed.claimed_by == "a"
        (delivery,) = await reminders.queue_deliveries(s, claimed.id, ["person:7"])
        await reminders.end_delivery(s, delivery, "sent", reminders.stamp(claimed, clock.now()))
        assert (await s.get(Delivery, delivery)).sent_at is None
        assert await reminders.renew(s, claimed, "a", clock.now())
        assert (await s.get(Reminder, claimed.id)).lease_until is None
    async with db.transaction() as s:  # while "a" beats, nobody takes it over
        assert await reminders.claim_due(s, "b", clock.now() + reminders.LEASE / 2) == []
    async with db.transaction() as s:  # "a" died: its heartbeat ran out
        (resumed,) = await reminders.claim_due(s, "b", clock.now() + reminders.LEASE * 2)
        assert resumed.claimed_by == "b" and resumed.lease_until is None
        await reminders.finish(s, resumed, "b", clock.now(), "done", "late by 3 s")
    async with db.transaction() as s:
        assert (await s.exec(select(Reminder))).all() == [] and (await s.exec(select(Delivery))).all() == []


async def test_two_databases_sessions_racing_claim_each_row_once(db_url, clock):
    """Two engines (as two processes would have) claim concurrently: no row is claimed twice."""
    import asyncio

    db = Database(db_url)
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon"), clock.now())
        for i in range(40):
            s.add(Reminder(key=f"k{i}", coalition_id=coalition.id, kind="cadence", due_at=clock.now()))
    other = Database(db_url)

    async def claim_all(database, worker):
        got = []
        while True:
            async with database.transaction() as s:
                batch = await reminders.claim_due(s, worker, clock.now(), limit=3)
            if not batch:
                return got
            got += [r.id for r in batch]

    a, b = await asyncio.gather(claim_all(db, "a"), claim_all(other, "b"))
    assert sorted(a + b) == sorted(set(a + b)) and len(a + b) == 40
    await db.dispose()
    await other.dispose()


def test_lateness():
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    reminder = Reminder(key="k", coalition_id=1, kind="meeting", due_at=now - timedelta(minutes=10))

    class M:
        cancelled = False
        starts_at = now + timedelta(hours=1)

    assert reminders.lateness(reminder, M, now) == reminders.Lateness(late=True, expired=False)
    M.starts_at = now - timedelta(minutes=1)
    assert reminders.lateness(reminder, M, now).expired


def test_add_months_clamps_to_month_end():
    assert watchdogs.add_months(datetime(2027, 8, 31, tzinfo=UTC), 6) == datetime(2028, 2, 29, tzinfo=UTC)
    assert watchdogs.add_months(datetime(2027, 11, 15, tzinfo=UTC), 3) == datetime(2028, 2, 15, tzinfo=UTC)


def test_nudge_rules():
    created = datetime(2027, 1, 1, tzinfo=UTC)
    coalition = Coalition(chat_id=-1, country="X", cadence_months=6, created_at=created)
    before = datetime(2027, 5, 15, tzinfo=UTC)  # 1 July - 45 days = 17 May
    assert not watchdogs.nudge_due(coalition, None, None, before)
    due = datetime(2027, 5, 18, tzinfo=UTC)
    assert watchdogs.nudge_due(coalition, None, None, due)
    assert not watchdogs.nudge_due(coalition, None, due, due + timedelta(days=6))
    assert watchdogs.nudge_due(coalition, None, due, due + timedelta(days=7))


async def test_cadence_nudge_is_planned_once_a_day_and_not_with_a_meeting_ahead(db, clock):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon"), clock.now())
    later = clock.now() + timedelta(days=200)
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition.id)
        assert await watchdogs.plan_cadence_nudges(s, coalition, later)
        assert not await watchdogs.plan_cadence_nudges(s, coalition, later + timedelta(hours=1))
        assert await watchdogs.plan_cadence_nudges(s, coalition, later + timedelta(days=7))
        await schedule(s, coalition, MeetingRequest(later + timedelta(days=20), "", ""), later + timedelta(days=7))
        assert not await watchdogs.plan_cadence_nudges(s, coalition, later + timedelta(days=14))
    async with db.transaction() as s:
        rows = (await s.exec(select(Reminder).where(Reminder.kind == "cadence"))).all()
        assert len(rows) == 2


def test_every_kind_of_scheduled_message_has_exactly_one_composer():
    import jobs
    from bot.services.kinds import Kind

    assert set(jobs.COMPOSERS) == set(Kind)
    with pytest.raises(RuntimeError, match="two composers"):
        jobs._one_composer_per_kind({Kind.MEETING: jobs.COMPOSERS[Kind.MEETING]}, jobs.COMPOSERS)
    with pytest.raises(RuntimeError, match="not in Kind"):
        jobs._one_composer_per_kind(jobs.COMPOSERS, {"no_such_kind": jobs.COMPOSERS[Kind.MEETING]})
