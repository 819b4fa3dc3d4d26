"""Anonymous concerns (SPEC §8): the limiter under in-memory epoch keys, the per-coalition cap,
refusals that store nothing, day-only times, housekeeping, raising."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.models import Concern, ConcernLimit, ConcernQuota, Proposal, Reminder
from bot.services import coalitions, concerns, members, privacy
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.members import Member, PersonInfo


async def _coalition(s, clock, chat_id=-100, country="Lebanon"):
    coalition, _ = await coalitions.setup(s, chat_id, "Group", SetupRequest(country), clock.now())
    return coalition


async def _member(s, coalition, clock, user_id, role):
    person = await members.upsert_person(s, PersonInfo(user_id, f"P{user_id}", f"p{user_id}"))
    record, _ = await members.join(s, coalition, person, role, None, clock.now())
    record.role = role  # privileged roles are approved directly here
    return Member(record, person)


async def _count(s, model):
    return len((await s.exec(select(model))).all())


def test_the_token_is_keyed_per_coalition_and_slot():
    key, other = b"k" * 32, b"o" * 32
    token = concerns.token(key, 1, 1002, 0)
    assert len(token) == 64 and "1002" not in token
    assert token == concerns.token(key, 1, 1002, 0)
    assert (
        len(
            {token, concerns.token(other, 1, 1002, 0), concerns.token(key, 2, 1002, 0), concerns.token(key, 1, 1002, 1)}
        )
        == 4
    )


def test_epoch_keys_are_random_kept_for_one_more_epoch_then_forgotten():
    keys = concerns.LimiterKeys()
    day = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    (first,) = keys.keys(day)
    assert len(first) == 32 and first != concerns.LimiterKeys().keys(day)[0]
    assert keys.keys(day + timedelta(hours=15)) == [first]  # same UTC day, same epoch
    second, previous = keys.keys(day + timedelta(days=1))
    assert previous == first and second != first
    assert keys.keys(day + timedelta(days=2))[1:] == [second]  # the first key is gone for good


def test_times_kept_are_the_day_and_the_expiry_hour():
    moment = datetime(2027, 1, 10, 8, 17, 42, tzinfo=UTC)
    assert concerns.day_of(moment) == datetime(2027, 1, 10, tzinfo=UTC)
    assert concerns.expiry_hour(moment) == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert concerns.expiry_hour(datetime(2027, 1, 10, 8, tzinfo=UTC)) == datetime(2027, 1, 11, 8, tzinfo=UTC)


@pytest.mark.parametrize(("value", "number"), [("C4", 4), ("c12", 12), ("7", 7)])
def test_references(value, number):
    assert concerns.parse_reference(value) == number


@pytest.mark.parametrize("value", ["AP4", "C", "C1234567", "-1"])
def test_bad_references(value):
    with pytest.raises(InvalidInput):
        concerns.parse_reference(value)


def test_text_is_required_and_bounded():
    assert concerns.clean_text("  line one\nline two ") == "line one\nline two"
    with pytest.raises(InvalidInput):
        concerns.clean_text("   ")
    with pytest.raises(InvalidInput) as long:
        concerns.clean_text("x" * 3001)
    assert long.value.params == {"limit": 3000, "count": 3001}


async def test_a_concern_is_stored_without_its_sender_and_its_delivery_planned(db, clock):
    keys = concerns.LimiterKeys()
    clock.set(datetime(2027, 1, 10, 8, 17, 42, tzinfo=UTC))
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _member(s, coalition, clock, 10, "facilitator")
        concern = await concerns.submit(s, coalition, 1002, "Sensitive", keys, clock.now())
        assert (concern.number, concern.text) == (1, "Sensitive")
        assert concern.created_at == datetime(2027, 1, 10, tzinfo=UTC)  # the day, nothing finer
        (reminder,) = (await s.exec(select(Reminder))).all()
        assert (reminder.kind, reminder.subject_id, reminder.due_at, reminder.key) == (
            "concern",
            concern.id,
            datetime(2027, 1, 10, tzinfo=UTC),
            f"concern:{concern.id}",
        )
        (limit,) = (await s.exec(select(ConcernLimit))).all()
        assert limit.token == concerns.token(keys.keys(clock.now())[0], coalition.id, 1002, 0)
        assert limit.expires_at == datetime(2027, 1, 11, 9, tzinfo=UTC)
        (quota,) = (await s.exec(select(ConcernQuota))).all()
        assert (quota.coalition_id, quota.slot, quota.expires_at) == (coalition.id, 0, limit.expires_at)


async def test_refusals_store_nothing(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        with pytest.raises(NotFound):  # no facilitator
            await concerns.submit(s, coalition, 1002, "Sensitive", concerns.LimiterKeys(), clock.now())
        assert await _count(s, Concern) == await _count(s, ConcernLimit) == await _count(s, Reminder) == 0
        assert await _count(s, ConcernQuota) == 0


async def _two_facilitated_coalitions(s, clock):
    """Lebanon and Laos, each with a facilitator to receive concerns."""
    lebanon = await _coalition(s, clock)
    laos = await _coalition(s, clock, -200, "Laos")
    for coalition in (lebanon, laos):
        await _member(s, coalition, clock, 10, "facilitator")
    return lebanon, laos


async def test_five_in_any_24_hours_per_member_and_coalition_across_epochs(db, clock):
    keys = concerns.LimiterKeys()
    clock.set(datetime(2027, 1, 10, 22, 0, tzinfo=UTC))  # two hours before the epoch changes
    async with db.transaction() as s:
        lebanon, laos = await _two_facilitated_coalitions(s, clock)
        for _ in range(3):
            await concerns.submit(s, lebanon, 1002, "x", keys, clock.now())
        after_midnight = clock.now() + timedelta(hours=3)  # a new epoch: the old key still counts
        for _ in range(2):
            await concerns.submit(s, lebanon, 1002, "x", keys, after_midnight)
        with pytest.raises(NotAllowed) as refused:
            await concerns.submit(s, lebanon, 1002, "x", keys, clock.now() + timedelta(hours=23))
        assert refused.value.params == {"limit": 5}
        await concerns.submit(s, laos, 1002, "x", keys, clock.now())  # another coalition
        await concerns.submit(s, lebanon, 1003, "x", keys, clock.now())  # another member
        assert await _count(s, Concern) == 7
        # the first three leave the window after 24 hours (rounded up to the hour): room for three
        later = clock.now() + timedelta(hours=24, seconds=1)
        for _ in range(3):
            await concerns.submit(s, lebanon, 1002, "x", keys, later)
        with pytest.raises(NotAllowed):
            await concerns.submit(s, lebanon, 1002, "x", keys, later)


async def test_every_instance_respects_twenty_a_day_per_coalition(db, clock):
    """Two instances (two key sets) and restarts cannot count a member across them: the cap can."""
    async with db.transaction() as s:
        lebanon, laos = await _two_facilitated_coalitions(s, clock)
        for i in range(concerns.COALITION_LIMIT):
            instance = concerns.LimiterKeys()  # each concern on a fresh instance
            await concerns.submit(s, lebanon, 2000 + i % 3, "x", instance, clock.now())
        with pytest.raises(NotAllowed) as refused:
            await concerns.submit(s, lebanon, 3000, "x", concerns.LimiterKeys(), clock.now())
        assert refused.value.params["limit"] == 20
        await concerns.submit(s, laos, 3000, "x", concerns.LimiterKeys(), clock.now())
        await concerns.submit(s, lebanon, 3000, "x", concerns.LimiterKeys(), clock.now() + timedelta(hours=25))


async def test_housekeeping_deletes_expired_entries(db, clock):
    keys = concerns.LimiterKeys()
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _member(s, coalition, clock, 10, "facilitator")
        await concerns.submit(s, coalition, 1002, "x", keys, clock.now())
        (reminder,) = (await s.exec(select(Reminder))).all()  # its delivery: the day, and nothing finer
        assert reminder.due_at == concerns.day_of(clock.now()) and reminder.lease_until is None
        await concerns.sweep(s, clock.now())
        assert await _count(s, ConcernLimit) == 1
        await concerns.sweep(s, clock.now() + timedelta(hours=25))
        assert await _count(s, ConcernLimit) == await _count(s, ConcernQuota) == 0
        assert await _count(s, Concern) == 1


async def test_raising_needs_the_facilitator_role_and_happens_once(db, clock):
    keys = concerns.LimiterKeys()
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        facilitator = await _member(s, coalition, clock, 10, "facilitator")
        authority = await _member(s, coalition, clock, 11, "national_authority")
        concern = await concerns.submit(s, coalition, 1002, "A long " + "concern " * 40, keys, clock.now())
        for someone in (authority, None):
            with pytest.raises(NotAllowed):
                await concerns.raise_concern(s, coalition, someone, "C1", clock.now())
        with pytest.raises(NotFound):
            await concerns.raise_concern(s, coalition, facilitator, "C2", clock.now())
        raised, proposal = await concerns.raise_concern(s, coalition, facilitator, "c1", clock.now())
        assert raised.raised_at == clock.now() and proposal.concern_id == concern.id
        assert proposal.proposer_id is None and len(proposal.text) == 200 and proposal.text.endswith("…")
        with pytest.raises(InvalidInput):
            await concerns.raise_concern(s, coalition, facilitator, "C1", clock.now())
        assert await _count(s, Proposal) == 1


async def test_only_facilitators_list_concerns_and_new_ones_only_later_concerns(db, clock):
    keys = concerns.LimiterKeys()
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        facilitator = await _member(s, coalition, clock, 10, "facilitator")
        operator = await _member(s, coalition, clock, 11, "operator")
        await concerns.submit(s, coalition, 1002, "First", keys, clock.now())
        await concerns.submit(s, coalition, 1002, "Second", keys, clock.now())
        ((listed, items),) = await concerns.facilitated(s, facilitator.person)
        assert listed.id == coalition.id and [c.number for c in items] == [2, 1]
        with pytest.raises(NotAllowed):
            await concerns.facilitated(s, operator.person)
        operator.membership.role = "facilitator"
        await concerns.note_role(s, operator.membership, clock.now())
        assert (operator.membership.facilitator_since, operator.membership.concerns_after) == (clock.now(), 2)
        third = await concerns.submit(s, coalition, 1003, "Third", keys, clock.now())
        ((_, items),) = await concerns.facilitated(s, operator.person)
        assert [c.number for c in items] == [3]
        assert concerns.receives(operator, third) and not concerns.receives(
            operator, Concern(coalition_id=coalition.id, number=2, text="", created_at=clock.now())
        )
        operator.membership.role = "operator"
        await concerns.note_role(s, operator.membership, clock.now())
        assert operator.membership.facilitator_since is None and operator.membership.concerns_after is None


async def test_forgetme_keeps_the_limiter_entries_so_the_limit_holds(db, clock):
    keys = concerns.LimiterKeys()
    async with db.transaction() as s:
        lebanon, _ = await _two_facilitated_coalitions(s, clock)
        sender = await _member(s, lebanon, clock, 1002, "operator")
        for _ in range(concerns.LIMIT):
            await concerns.submit(s, lebanon, 1002, "x", keys, clock.now())
        await privacy.forget(s, sender.person)
        assert await _count(s, ConcernLimit) == concerns.LIMIT
        with pytest.raises(NotAllowed):  # the same Telegram account, joined again
            await concerns.submit(s, lebanon, 1002, "x", keys, clock.now())
