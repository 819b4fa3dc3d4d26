"""Issue 6 end to end: operators' monthly progress reports (`/report`), in the group and
privately, with every validation error, duplicates and the step-by-step dialog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.models import ProgressReport
from bot.store.database import Database
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, confirm

APRIL = datetime(2027, 4, 5, 8, 0, tzinfo=UTC)
FULL = "/report period=2027-03 cancelled=120000 reduced=45000 cleared=38000 cmr=212 re_sessions=14 re_people=530"


async def _reports(bot) -> list[ProgressReport]:
    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        rows = list((await s.exec(select(ProgressReport).order_by(ProgressReport.period))).all())
    await db.dispose()
    return rows


@pytest.fixture
async def operators(coalition):
    """The Lebanese coalition in April 2027: Nadia reports for NPA, Salim for HALO Trust."""
    coalition.clock.set(APRIL)
    await coalition.say(GROUP, SALIM, "/join operator HALO Trust")
    await confirm(coalition, GROUP, "salim")
    return coalition


async def test_an_operator_files_a_report_in_the_group(operators):
    bot = operators
    reply = await bot.say(GROUP, NADIA, FULL)
    assert "Progress report recorded" in reply.text and "NPA" in reply.text and "March 2027" in reply.text
    assert "Land released: 203,000 m²" in reply.text
    assert "CMR destroyed: 212" in reply.text and "risk education sessions: 14, people reached: 530" in reply.text
    (row,) = await _reports(bot)
    assert (row.organisation, row.period, row.cancelled, row.reduced, row.cleared) == (
        "NPA",
        "2027-03",
        120000,
        45000,
        38000,
    )
    assert (row.cmr, row.submunitions, row.re_sessions, row.re_people) == (212, 0, 14, 530)


async def test_thousands_separators_of_every_locale_are_understood(operators):
    bot = operators
    await bot.say(
        GROUP, NADIA, "/report period=2027-03 cancelled=120,000 reduced=45 000 cleared=١٢٠٬٠٠٠ cmr=1\u202f200"
    )
    (row,) = await _reports(bot)
    assert (row.cancelled, row.reduced, row.cleared, row.cmr) == (120000, 45000, 120000, 1200)


BAD = [
    ("/report period=2027-03 cleared=12a", ["12a", "cleared"]),
    ("/report period=2027-03 cleared=-500", ["cleared", "negative", "-500"]),
    ("/report period=2027-03 cmr=−3", ["cmr", "negative"]),
    ("/report period=2027-03 cleared=1,5", ["1,5", "cleared"]),
    ("/report period=2027-03 cleared=", ["cleared"]),
    ("/report period=2027-03 clered=5", ["clered", "Unknown field"]),
    ("/report period=2027-03 cleared=5 cleared=6", ["cleared", "twice"]),
    ("/report cleared=5", ["period=YYYY-MM"]),
    ("/report period=2027-13 cleared=5", ["2027-13", "YYYY-MM"]),
    ("/report period=March cleared=5", ["March", "YYYY-MM"]),
    ("/report period=2027-05 cleared=5", ["2027-05", "future"]),
    ("/report period=1999-12 cleared=5", ["1999-12", "2000"]),
    ("/report period=2027-03", ["at least one figure"]),
    ("/report period=2027-03 cleared=5000000000000", ["5000000000000", "too large", "cleared"]),
    ("/report 2027-03 cleared=5", ["2027-03", "key=value"]),
]


async def test_every_bad_value_is_named_and_nothing_is_stored(operators):
    bot = operators
    for command, expected in BAD:
        reply = await bot.say(GROUP, NADIA, command)
        for part in expected:
            assert part in reply.text, (command, part, reply.text)
        assert "recorded" not in reply.text
    assert await _reports(bot) == []


async def test_errors_are_written_in_the_readers_language(operators):
    bot = operators
    reply = await bot.say(NADIA, NADIA, "/report period=2027-03 cleared=-5")
    assert "cleared" in reply.text and "négati" in reply.text
    await bot.say(GROUP, ADMIN, "/language ar")
    reply = await bot.say(GROUP, NADIA, "/report period=2027-03 clered=5")
    assert "clered" in reply.text and "حقل" in reply.text
    assert await _reports(bot) == []


async def test_only_operators_and_managers_for_them_may_report(operators):
    bot = operators
    donor = await bot.say(GROUP, JOHN, FULL)
    assert "Only operators" in donor.text
    bot.emu.add_user(1010, "Omar", username="omar")
    stranger = await bot.say(GROUP, 1010, FULL)
    assert "Only operators" in stranger.text
    other = await bot.say(GROUP, NADIA, FULL + " org=HALO Trust")
    assert "Only managers" in other.text
    no_org = await bot.say(GROUP, ADMIN, FULL)
    assert "org=" in no_org.text
    unknown = await bot.say(GROUP, ADMIN, FULL + " org=MAG")
    assert "MAG" in unknown.text and "HALO Trust and NPA" in unknown.text
    assert await _reports(bot) == []
    on_behalf = await bot.say(GROUP, ADMIN, "/report period=2027-03 org=halo trust cleared=50 000")
    assert "HALO Trust" in on_behalf.text and "recorded" in on_behalf.text
    own = await bot.say(GROUP, NADIA, "/report period=2027-03 org=npa cleared=1")
    assert "recorded" in own.text
    assert [(r.organisation, r.cleared) for r in await _reports(bot)] == [("HALO Trust", 50000), ("NPA", 1)]


async def test_a_duplicate_period_asks_whether_to_replace(operators):
    bot = operators
    await bot.say(GROUP, NADIA, FULL)
    question = await bot.say(GROUP, NADIA, "/report period=2027-03 cleared=40000")
    assert "already reported" in question.text and "38,000" in question.text
    replace, keep = (b["callback_data"] for b in question.buttons())
    intruder = await bot.press(question, JOHN, replace)
    assert "not waiting for your answer" in intruder["text"]
    kept = await bot.press(question, NADIA, keep)
    assert "Rien n'a changé" in kept["text"]  # a button answer is in the presser's language
    (row,) = await _reports(bot)
    assert row.cleared == 38000 and row.cancelled == 120000
    await bot.emu.wait_for(lambda m: m.message_id == question.message_id and not m.buttons())
    again = await bot.say(GROUP, NADIA, "/report period=2027-03 cleared=40000")
    newer = await bot.say(GROUP, NADIA, "/report period=2027-03 cleared=41000")
    stale = await bot.press(again, NADIA, again.buttons()[0]["callback_data"])  # an older question's button
    assert "n'attend pas votre réponse" in stale["text"]
    seen = bot.snapshot()
    await bot.press(newer, NADIA, newer.buttons()[0]["callback_data"])
    replaced = await bot.next(GROUP, seen)
    assert "replaced" in replaced.text and "41,000" in replaced.text
    (row,) = await _reports(bot)
    assert (row.cleared, row.cancelled, row.cmr) == (41000, 0, 0)  # the new report replaces the whole month


async def test_the_guided_dialog_asks_step_by_step_in_the_group(operators):
    bot = operators
    ask = await bot.say(GROUP, NADIA, "/report")
    assert "YYYY-MM" in ask.text and ask.reply_markup["force_reply"]
    future = await bot.say(GROUP, NADIA, "2027-09", reply_to=ask.message_id)
    assert "2027-09" in future.text and "future" in future.text  # still at the first step
    question = await bot.say(GROUP, NADIA, "2027-03", reply_to=ask.message_id)
    answers = ["120 000", "-", "38,000", "212", "-", "14", "530", "2 500"]  # found (SPEC §14) is asked last
    for answer in answers:
        assert "send a number" in question.text
        if answer == "212":
            refused = await bot.say(GROUP, NADIA, "-212", reply_to=question.message_id)
            assert "negative" in refused.text and "cmr" in refused.text
        question = await bot.say(GROUP, NADIA, answer, reply_to=question.message_id)
    assert "recorded" in question.text and "NPA" in question.text
    (row,) = await _reports(bot)
    assert (row.cancelled, row.reduced, row.cleared, row.cmr, row.submunitions, row.re_sessions, row.re_people) == (
        120000, 0, 38000, 212, 0, 14, 530,
    )  # fmt: skip
    assert row.found == 2500


async def test_the_dialog_refuses_non_operators_at_once_and_can_be_stopped(operators):
    bot = operators
    refused = await bot.say(GROUP, JOHN, "/report")
    assert "Only operators" in refused.text
    ask = await bot.say(GROUP, NADIA, "/report")
    question = await bot.say(GROUP, NADIA, "2027-03", reply_to=ask.message_id)
    await bot.say(GROUP, NADIA, "5", reply_to=question.message_id)
    stopped = await bot.say(GROUP, NADIA, "/cancel")
    assert "no report was stored" in stopped.text
    assert await _reports(bot) == []


async def test_privately_the_report_goes_to_the_only_coalition(operators):
    bot = operators
    await bot.say(NADIA, NADIA, "/start")
    reply = await bot.say(NADIA, NADIA, "/report period=2027-03 cleared=38000")
    assert "NPA" in reply.text and "mars 2027" in reply.text
    assert [r.organisation for r in await _reports(bot)] == ["NPA"]


async def test_privately_a_member_of_several_coalitions_chooses(operators):
    bot = operators
    bot.emu.add_group(-3003, "Laos", admins=[ADMIN], creator=ADMIN)
    await bot.say(-3003, ADMIN, "/setup Laos Asia/Vientiane en")
    await bot.say(-3003, NADIA, "/join operator NPA Laos")
    await confirm(bot, -3003, "nadia")
    await bot.say(NADIA, NADIA, "/start")
    choice = await bot.say(NADIA, NADIA, "/report period=2027-03 cleared=7000")
    assert [b["text"] for b in choice.buttons()] == ["Laos", "Lebanon"]
    seen = bot.snapshot()
    await bot.press(choice, NADIA, choice.buttons()[0]["callback_data"])
    stored = await bot.next(NADIA, seen)
    assert "NPA Laos" in stored.text
    rows = await _reports(bot)
    assert [(r.organisation, r.cleared) for r in rows] == [("NPA Laos", 7000)]
    # the same period again in Laos: the duplicate question comes privately
    choice = await bot.say(NADIA, NADIA, "/report period=2027-03 cleared=8000")
    seen = bot.snapshot()
    await bot.press(choice, NADIA, choice.buttons()[0]["callback_data"])
    question = await bot.next(NADIA, seen)
    assert "NPA Laos" in question.text and len(question.buttons()) == 2
    private_donor = await bot.say(JOHN, JOHN, "/report period=2027-03 cleared=1")
    assert "Only operators" in private_donor.text
