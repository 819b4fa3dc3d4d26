"""Anonymous concerns (SPEC §8): the keyed limiter, refusals that store nothing, raising."""

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.models import Concern, ConcernLimit, Proposal, Reminder
from bot.services import coalitions, concerns, members, privacy
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.members import Member, PersonInfo

SECRET = "unit-secret"


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


def test_the_token_is_keyed_and_per_coalition():
    token = concerns.token(SECRET, 1, 1002)
    assert len(token) == 64 and "1002" not in token
    assert token == concerns.token(SECRET, 1, 1002)
    assert token != concerns.token("other-secret", 1, 1002) != concerns.token(SECRET, 2, 1002)


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
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _member(s, coalition, clock, 10, "facilitator")
        concern = await concerns.submit(s, coalition, 1002, "Sensitive", SECRET, clock.now())
        assert (concern.number, concern.text) == (1, "Sensitive")
        (reminder,) = (await s.exec(select(Reminder))).all()
        assert (reminder.kind, reminder.subject_id, reminder.due_at, reminder.key) == (
            "concern",
            concern.id,
            clock.now(),
            f"concern:{concern.id}",
        )
        (limit,) = (await s.exec(select(ConcernLimit))).all()
        assert limit.token == concerns.token(SECRET, coalition.id, 1002)


async def test_refusals_store_nothing(db, clock, caplog):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        with pytest.raises(NotFound):  # no facilitator
            await concerns.submit(s, coalition, 1002, "Sensitive", SECRET, clock.now())
        await _member(s, coalition, clock, 10, "facilitator")
        caplog.set_level(logging.WARNING, logger="bot")
        with pytest.raises(NotAllowed):
            await concerns.submit(s, coalition, 1002, "Sensitive", None, clock.now())
        assert "CONCERN_SECRET" in caplog.text and "1002" not in caplog.text
        assert await _count(s, Concern) == await _count(s, ConcernLimit) == await _count(s, Reminder) == 0


async def _two_facilitated_coalitions(s, clock):
    """Lebanon and Laos, each with a facilitator to receive concerns."""
    lebanon = await _coalition(s, clock)
    laos = await _coalition(s, clock, -200, "Laos")
    for coalition in (lebanon, laos):
        await _member(s, coalition, clock, 10, "facilitator")
    return lebanon, laos


async def test_five_a_day_per_member_and_coalition(db, clock):
    async with db.transaction() as s:
        lebanon, laos = await _two_facilitated_coalitions(s, clock)
        for _ in range(concerns.LIMIT):
            await concerns.submit(s, lebanon, 1002, "x", SECRET, clock.now())
        with pytest.raises(NotAllowed) as refused:
            await concerns.submit(s, lebanon, 1002, "x", SECRET, clock.now() + timedelta(hours=23))
        assert refused.value.params == {"limit": 5}
        await concerns.submit(s, laos, 1002, "x", SECRET, clock.now())  # another coalition
        await concerns.submit(s, lebanon, 1003, "x", SECRET, clock.now())  # another member
        assert await _count(s, Concern) == 7
        await concerns.submit(s, lebanon, 1002, "x", SECRET, clock.now() + timedelta(hours=24, seconds=1))
        assert await _count(s, ConcernLimit) == 1  # expired entries are deleted


async def test_raising_needs_the_facilitator_role_and_happens_once(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        facilitator = await _member(s, coalition, clock, 10, "facilitator")
        authority = await _member(s, coalition, clock, 11, "national_authority")
        concern = await concerns.submit(s, coalition, 1002, "A long " + "concern " * 40, SECRET, clock.now())
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


async def test_only_facilitators_list_concerns(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        facilitator = await _member(s, coalition, clock, 10, "facilitator")
        operator = await _member(s, coalition, clock, 11, "operator")
        await concerns.submit(s, coalition, 1002, "First", SECRET, clock.now())
        await concerns.submit(s, coalition, 1002, "Second", SECRET, clock.now())
        ((listed, items),) = await concerns.facilitated(s, facilitator.person)
        assert listed.id == coalition.id and [c.number for c in items] == [2, 1]
        with pytest.raises(NotAllowed):
            await concerns.facilitated(s, operator.person)


async def test_forgetme_erases_the_senders_limiter_rows_in_every_coalition(db, clock):
    async with db.transaction() as s:
        lebanon, laos = await _two_facilitated_coalitions(s, clock)
        sender = await _member(s, lebanon, clock, 1002, "operator")
        for coalition in (lebanon, laos):
            await concerns.submit(s, coalition, 1002, "x", SECRET, clock.now())
        await concerns.submit(s, lebanon, 1003, "x", SECRET, clock.now())  # someone else
        await privacy.forget(s, sender.person, SECRET)
        left = [row.token for row in (await s.exec(select(ConcernLimit))).all()]
        assert left == [concerns.token(SECRET, lebanon.id, 1003)]
        assert await _count(s, Concern) == 3  # the concerns themselves stay: nothing links them to anyone
