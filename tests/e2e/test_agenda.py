"""Issue 5 end to end, agenda part: proposals, native polls and their votes, /closepoll, /agenda."""

from __future__ import annotations

from bot.models import AgendaPoll, PollOption, PollVote, Proposal
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM

OPTIONS = ["Extension request", "NMAS revision", "Donor reporting"]


def _requests(bot, method):
    return [r for r in bot.emu.requests if r.method == method]


SPRING_POLL = "/poll Spring agenda | " + " | ".join(OPTIONS)


async def _poll(bot, text=SPRING_POLL):
    seen = bot.snapshot()
    await bot.emu.send(GROUP, ADMIN, text)
    await bot.idle()
    return await bot.emu.wait_for(
        lambda m: m.chat_id == GROUP and m.kind == "poll" and (m.chat_id, m.message_id) not in seen
    )


async def _vote(bot, poll, user, options):
    await bot.emu.poll_answer(poll.poll["id"], user, options)
    await bot.idle()


async def test_the_bot_asks_telegram_for_poll_updates(coalition):
    polls = [r for r in coalition.emu.requests if r.method == "getUpdates" and "allowed_updates" in r.params]
    assert polls and {"poll", "poll_answer", "message", "callback_query"} <= set(polls[-1].params["allowed_updates"])


async def test_members_propose_items_for_the_next_meeting(coalition):
    bot = coalition
    reply = await bot.say(GROUP, NADIA, "/propose Technical survey of CMR-contaminated land")
    assert "P1" in reply.text and "next meeting (not scheduled yet)" in reply.text
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting")
    reply = await bot.say(GROUP, JOHN, "/propose Donor reporting <2027>")
    assert "P2" in reply.text and "M1" in reply.text and "Donor reporting <2027>" in reply.text
    first, second = await bot.rows(Proposal)
    assert (first.meeting_id, second.meeting_id) == (None, 1)
    assert first.proposer_id is not None and first.text == "Technical survey of CMR-contaminated land"


async def test_bad_proposals_are_refused_and_nothing_is_stored(coalition):
    bot = coalition
    assert "/join" in (await bot.say(GROUP, SALIM, "/propose Anything")).text  # not a member
    assert "/propose <topic>" in (await bot.say(GROUP, NADIA, "/propose")).text
    assert "200" in (await bot.say(GROUP, NADIA, "/propose " + "x" * 201)).text
    await bot.say(GROUP, NADIA, "/propose NMAS revision")
    duplicate = await bot.say(GROUP, JOHN, "/propose nmas   REVISION")
    assert "P1" in duplicate.text and "already" in duplicate.text
    assert "group" in (await bot.say(NADIA, NADIA, "/propose NMAS revision")).text
    assert len(await bot.rows(Proposal)) == 1


async def test_a_manager_posts_an_anonymous_multiple_answer_poll(coalition):
    bot = coalition
    poll = await _poll(bot)
    assert poll.poll["question"] == "Spring agenda"
    assert [o["text"] for o in poll.poll["options"]] == OPTIONS
    assert poll.poll["is_anonymous"] and poll.poll["allows_multiple_answers"]
    (stored,) = await bot.rows(AgendaPoll)
    assert stored.tg_poll_id == poll.poll["id"] and stored.anonymous and stored.message_id == poll.message_id
    assert [o.text for o in await bot.rows(PollOption)] == OPTIONS


async def test_members_may_not_post_polls(coalition):
    bot = coalition
    refusal = await bot.say(GROUP, NADIA, "/poll Q | a | b")
    assert "managers" in refusal.text and _requests(bot, "sendPoll") == []


async def test_telegram_poll_limits_are_checked_before_sending(coalition):
    bot = coalition
    cases = {
        "/poll " + "Q" * 301 + " | a | b": "300",
        "/poll Q | only one": "at least 2",
        "/poll Q | " + " | ".join(f"o{i}" for i in range(13)): "at most 12",
        "/poll Q | a | " + "b" * 101: "100",
        "/poll Q | Same | same": "twice",
        "/poll Q | a |  | b": "Option 2 is empty",
        "/poll | a | b": "question",
        "/poll Just a question": "|",
    }
    for text, expected in cases.items():
        reply = await bot.say(GROUP, ADMIN, text)
        assert expected in reply.text, (text, reply.text)
    assert _requests(bot, "sendPoll") == [] and await bot.rows(AgendaPoll) == []
    # exactly at the limits is fine
    await _poll(bot, "/poll " + "Q" * 300 + " | " + " | ".join(f"{i:02d}" + "o" * 98 for i in range(12)))


async def test_french_limits_and_refusals(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language fr")
    reply = await bot.say(GROUP, ADMIN, "/poll Q | " + " | ".join(f"o{i}" for i in range(13)))
    assert "12" in reply.text and "limité à" in reply.text
    assert "gestionnaires" in (await bot.say(GROUP, NADIA, "/poll Q | a | b")).text


async def test_votes_are_recorded_and_closepoll_posts_the_ranking(coalition):
    bot = coalition
    poll = await _poll(bot)
    await _vote(bot, poll, NADIA, [1, 2])
    await _vote(bot, poll, JOHN, [1])
    await _vote(bot, poll, SALIM, [0])
    await _vote(bot, poll, SALIM, [2])  # changed mind
    assert [o.votes for o in await bot.rows(PollOption)] == [0, 2, 2]
    assert (await bot.rows(AgendaPoll))[0].voters == 3
    assert await bot.rows(PollVote) == []  # anonymous: nobody's answer is known
    result = await bot.say(GROUP, ADMIN, "/closepoll", contains="Spring agenda")
    assert result.text.index("NMAS revision — 2 votes") < result.text.index("Extension request — 0 votes")
    assert "3 members voted" in result.text
    assert len(_requests(bot, "stopPoll")) == 1 and poll.poll["is_closed"]
    stored = (await bot.rows(AgendaPoll))[0]
    assert stored.closed and stored.closed_at == bot.clock.now()
    again = await bot.say(GROUP, ADMIN, "/closepoll")
    assert "no open poll" in again.text and len(_requests(bot, "stopPoll")) == 1
    assert "managers" in (await bot.say(GROUP, JOHN, "/closepoll")).text


async def test_a_named_poll_records_each_members_answers(coalition):
    bot = coalition
    poll = await _poll(bot, "/poll open Which topics first? | " + " | ".join(OPTIONS))
    assert not poll.poll["is_anonymous"] and poll.poll["question"] == "Which topics first?"
    await _vote(bot, poll, NADIA, [0, 1])
    await _vote(bot, poll, JOHN, [1])
    await _vote(bot, poll, JOHN, [2])  # changed
    await _vote(bot, poll, SALIM, [0])
    await _vote(bot, poll, SALIM, [])  # retracted
    votes = sorted((v.person_id, v.position) for v in await bot.rows(PollVote))
    assert len(votes) == 3 and [p for _, p in votes].count(0) == 1
    result = await bot.say(GROUP, ADMIN, "/closepoll", contains="Which topics first?")
    assert "Extension request — 1 vote (Nadia)" in result.text
    assert "NMAS revision — 1 vote (Nadia)" in result.text and "Donor reporting — 1 vote (John)" in result.text
    assert "Salim" not in result.text


async def test_closepoll_after_the_poll_was_stopped_elsewhere_still_reports(coalition):
    bot = coalition
    poll = await _poll(bot)
    await _vote(bot, poll, NADIA, [0])
    bot.emu.fail_next("stopPoll", 400)  # e.g. "poll has already been closed"
    result = await bot.say(GROUP, ADMIN, "/closepoll", contains="Spring agenda")
    assert "Extension request — 1 vote" in result.text
    assert (await bot.rows(AgendaPoll))[0].closed


async def test_poll_alone_polls_the_open_proposals_and_agenda_ranks_them(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting")
    empty = await bot.say(GROUP, ADMIN, "/poll")
    assert "no open proposals" in empty.text
    await bot.say(GROUP, NADIA, "/propose Technical survey of CMR-contaminated land")
    assert "only one" in (await bot.say(GROUP, ADMIN, "/poll")).text
    await bot.say(GROUP, JOHN, "/propose Donor reporting")
    await bot.say(GROUP, NADIA, "/propose " + "Victim assistance referral pathways " * 4)
    poll = await _poll(bot, "/poll")
    assert poll.poll["question"] == "Agenda of meeting M1: which topics should we discuss?"
    texts = [o["text"] for o in poll.poll["options"]]
    assert texts[:2] == ["Technical survey of CMR-contaminated land", "Donor reporting"]
    assert len(texts[2]) == 100 and texts[2].endswith("…")
    await _vote(bot, poll, NADIA, [1, 2])
    await _vote(bot, poll, JOHN, [1])
    await bot.say(GROUP, SALIM, "/join observer")
    await bot.say(GROUP, SALIM, "/propose Risk education in schools")
    agenda = await bot.say(GROUP, JOHN, "/agenda")
    text = agenda.text
    assert "Agenda of meeting M1 · Spring coalition meeting" in text
    assert (
        text.index("1. Donor reporting — 2 votes") < text.index("Victim assistance") < text.index("3. Technical survey")
    )
    assert "Victim assistance referral pathways Victim" in text  # the agenda keeps the whole text
    assert "Proposed, not polled yet" in text and "P4 · Risk education in schools — proposed by Salim" in text
    assert (await bot.say(GROUP, JOHN, "/agenda M1")).text == text
    assert "M9" in (await bot.say(GROUP, JOHN, "/agenda M9")).text
    assert "only one" in (await bot.say(GROUP, ADMIN, "/poll")).text  # the polled ones are no longer open


async def test_too_many_open_proposals_for_one_poll(coalition):
    bot = coalition
    for i in range(13):
        await bot.say(GROUP, NADIA, f"/propose Topic {i}")
    reply = await bot.say(GROUP, ADMIN, "/poll open")
    assert "13 open proposals" in reply.text and "12" in reply.text
    assert _requests(bot, "sendPoll") == []


async def test_agenda_and_default_question_in_arabic_and_french(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language ar,fr")
    await bot.say(GROUP, NADIA, "/propose Révision des normes nationales")
    await bot.say(GROUP, JOHN, "/propose Rapport aux donateurs")
    poll = await _poll(bot, "/poll")
    question = poll.poll["question"]
    assert "جدول أعمال" in question and "Ordre du jour de la prochaine réunion" in question
    assert question.index("جدول") < question.index("Ordre")
    await _vote(bot, poll, NADIA, [0])
    agenda = await bot.say(GROUP, NADIA, "/agenda")
    arabic, french = agenda.text.split("— — —")
    assert "جدول أعمال" in arabic and "صوت" in arabic
    assert "Ordre du jour" in french and "1. Révision des normes nationales — 1 voix" in french
    empty = await bot.say(GROUP, ADMIN, "/agenda")
    assert empty.text == agenda.text
