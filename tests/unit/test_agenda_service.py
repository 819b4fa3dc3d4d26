"""The agenda's rules (SPEC §7): Telegram's poll limits, proposals, poll state, the agenda."""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.models import PollVote
from bot.services import agenda, coalitions, meetings, members
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.meetings import MeetingRequest
from bot.services.members import Member, PersonInfo


async def _coalition(s, clock):
    coalition, _ = await coalitions.setup(s, -100, "Group", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
    return coalition


async def _member(s, coalition, clock, user_id=1, name="Nadia", role="operator"):
    person = await members.upsert_person(s, PersonInfo(user_id, name, name.lower()))
    record, _ = await members.join(s, coalition, person, role, None, clock.now())
    return Member(record, person)


async def _meeting(s, coalition, clock, days=30, title="Spring"):
    request = MeetingRequest(clock.now() + timedelta(days=days), title, "")
    return await meetings.schedule(s, coalition, request, clock.now())


def test_parse_poll_question_options_and_named_polls():
    draft = agenda.parse_poll("Spring agenda | Extension request |  NMAS   revision ")
    assert (draft.question, draft.options, draft.anonymous) == (
        "Spring agenda",
        ["Extension request", "NMAS revision"],
        True,
    )
    assert agenda.split_named("open Which first? | a | b") == (False, "Which first? | a | b")
    assert agenda.split_named("Openness review | a | b") == (True, "Openness review | a | b")
    assert agenda.split_named("OPEN") == (False, "")


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("Q" * 301 + " | a | b", {"count": 301, "limit": 300}),
        ("Q | a", {"count": 1, "limit": 2}),
        ("Q | " + " | ".join(str(i) for i in range(13)), {"count": 13, "limit": 12}),
        ("Q | a | " + "b" * 101, {"value": "b" * 29 + "…", "count": 101, "limit": 100}),
        ("Q | Same | SAME", {"value": "SAME"}),
        ("Q | a | | b", {"number": 2}),
        (" | a | b", {}),
        ("no separator", {}),
    ],
)
def test_telegram_limits_name_the_limit(text, params):
    with pytest.raises(InvalidInput) as refused:
        agenda.parse_poll(text)
    assert refused.value.params == params


def test_limits_themselves_are_accepted():
    draft = agenda.parse_poll("Q" * 300 + " | " + " | ".join(f"{i:02d}" + "o" * 98 for i in range(12)))
    assert len(draft.options) == 12


def test_long_proposals_are_cut_to_a_poll_option():
    assert agenda.cut("x" * 150, 100) == "x" * 99 + "…"
    assert agenda.cut("short", 100) == "short"


async def test_proposals_belong_to_the_next_meeting_or_the_first_after_them(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock)
        early = await agenda.propose(s, coalition, nadia, "Technical survey", clock.now())
        assert early.meeting_id is None
        first = await _meeting(s, coalition, clock, 30)
        second = await _meeting(s, coalition, clock, 60)
        later = await agenda.propose(s, coalition, nadia, "Donor reporting", clock.now())
        assert later.meeting_id == first.id
        # the proposal made before any meeting belongs to the first one held after it
        assert [p.text for p in await agenda.open_proposals(s, coalition, first)] == [
            "Technical survey",
            "Donor reporting",
        ]
        await meetings.cancel(s, first, clock.now())
        assert [p.text for p in await agenda.open_proposals(s, coalition, second)] == [
            "Technical survey",
            "Donor reporting",
        ]
        assert await agenda.open_proposals(s, coalition, first) == []


async def test_proposals_refuse_strangers_empty_long_and_duplicate_topics(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock)
        with pytest.raises(NotAllowed):
            await agenda.propose(s, coalition, None, "Anything", clock.now())
        with pytest.raises(InvalidInput):
            await agenda.propose(s, coalition, nadia, "   ", clock.now())
        with pytest.raises(InvalidInput) as long:
            await agenda.propose(s, coalition, nadia, "x" * 201, clock.now())
        assert long.value.params == {"limit": 200, "count": 201}
        first = await agenda.propose(s, coalition, nadia, "NMAS revision", clock.now())
        with pytest.raises(InvalidInput) as twice:
            await agenda.propose(s, coalition, nadia, "nmas  Revision", clock.now())
        assert twice.value.params["ref"] == "P1" and first.number == 1


async def test_a_proposals_poll_needs_two_to_twelve_open_proposals(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock)
        with pytest.raises(NotFound):
            await agenda.draft_poll(s, coalition, "", clock.now())
        for i in range(13):
            await agenda.propose(s, coalition, nadia, f"Topic {i}", clock.now())
        with pytest.raises(InvalidInput) as many:
            await agenda.draft_poll(s, coalition, "open", clock.now())
        assert many.value.params == {"count": 13, "limit": 12}


async def _posted(s, coalition, clock, text="Q | a | b | c", tg_id="p1"):
    draft = await agenda.draft_poll(s, coalition, text, clock.now())
    poll = await agenda.store_poll(s, coalition, draft, draft.question or "default", -100, clock.now())
    await agenda.posted(s, poll.id, tg_id, -100, 7)
    return poll


async def test_poll_state_answers_and_result(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        poll = await _posted(s, coalition, clock, "open Q | a | b | c")
        await _member(s, coalition, clock)
        await _member(s, coalition, clock, 2, "John", "donor")
        nadia, john = PersonInfo(1, "Nadia"), PersonInfo(2, "John")
        assert not await agenda.record_answer(s, "p1", PersonInfo(3, "Passer-by"), [0])  # never joined
        assert await members.person_by_user(s, 3) is None
        assert await agenda.record_answer(s, "p1", nadia, [0, 2])
        assert await agenda.record_answer(s, "p1", john, [2])
        assert await agenda.record_answer(s, "p1", john, [1])  # changed
        assert not await agenda.record_answer(s, "unknown", john, [1])
        assert len((await s.exec(select(PollVote))).all()) == 3
        assert await agenda.record_state(s, "p1", [1, 1, 1], 2, False, clock.now()) is poll
        assert await agenda.record_state(s, "unknown", [1], 1, False, clock.now()) is None
        assert (await agenda.latest_open(s, coalition)).id == poll.id
        await agenda.close(s, poll.id, None, None, clock.now())  # stopPoll failed: keep the last counts
        result = await agenda.result(s, poll.id)
        assert [(c.text, c.votes, c.voters) for c in result.choices] == [
            ("a", 1, ["Nadia"]),
            ("b", 1, ["John"]),
            ("c", 1, ["Nadia"]),
        ]
        assert poll.closed and poll.closed_at == clock.now()
        with pytest.raises(NotFound):
            await agenda.latest_open(s, coalition)
        john_row = await members.person_by_user(s, 2)
        await agenda.erase_votes(s, john_row)
        assert [c.voters for c in (await agenda.result(s, poll.id)).choices] == [["Nadia"], [], ["Nadia"]]


async def test_a_poll_on_its_way_takes_its_proposals_and_cannot_be_closed_yet(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock)
        for topic in ("Survey", "Clearance"):
            await agenda.propose(s, coalition, nadia, topic, clock.now())
        draft = await agenda.draft_poll(s, coalition, "", clock.now())
        poll = await agenda.store_poll(s, coalition, draft, "default", -100, clock.now())
        with pytest.raises(NotFound):  # a second /poll does not ask about them again
            await agenda.draft_poll(s, coalition, "", clock.now())
        with pytest.raises(InvalidInput, match="not reached the group"):
            await agenda.latest_open(s, coalition)
        await agenda.posted(s, poll.id, "p9", -100, 12)
        assert (await agenda.latest_open(s, coalition)).message_id == 12


async def test_anonymous_polls_keep_no_answers(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        await _posted(s, coalition, clock)
        assert not await agenda.record_answer(s, "p1", PersonInfo(1, "Nadia"), [0])
        assert (await s.exec(select(PollVote))).all() == []


async def test_the_agenda_ranks_polled_items_and_lists_the_rest(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await _member(s, coalition, clock)
        await _meeting(s, coalition, clock)
        for topic in ("Survey", "Reporting", "Standards"):
            await agenda.propose(s, coalition, nadia, topic, clock.now())
        poll = await _posted(s, coalition, clock, "", "p2")
        await agenda.record_state(s, "p2", [0, 3, 1], 3, False, clock.now())
        await agenda.propose(s, coalition, nadia, "Risk education", clock.now())
        items = await agenda.agenda(s, coalition, None, clock.now())
        assert items.meeting.number == 1 and poll.meeting_id == items.meeting.id
        assert [(i.text, i.votes) for i in items.ranked] == [("Reporting", 3), ("Standards", 1), ("Survey", 0)]
        assert [(p.text, who.full_name) for p, who in items.unpolled] == [("Risk education", "Nadia")]
        assert (await agenda.agenda(s, coalition, "M1", clock.now())) == items
        with pytest.raises(NotFound):
            await agenda.agenda(s, coalition, "M7", clock.now())
