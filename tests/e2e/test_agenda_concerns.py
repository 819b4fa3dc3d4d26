"""Issue 5 end to end, anonymous concerns: delivery to facilitators, limits, /raise, /concerns,
and a search of the whole database and of the logs for anything linking a concern to its sender."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.models import Concern, ConcernLimit, Person, Proposal, Reminder
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, dump_database

CLAIRE = 1005
LAOS = -3003
CONCERN = "The national authority withholds tasking from operators who report delays."


async def _facilitators(bot):
    """Rania (Arabic, group administrator) and Claire (French) facilitate; both started the bot."""
    bot.emu.add_user(CLAIRE, "Claire", last_name="Dubois", username="claire", language_code="fr")
    await bot.say(GROUP, ADMIN, "/join facilitator LMAC")
    await bot.say(GROUP, CLAIRE, "/join facilitator GICHD")
    await bot.say(GROUP, ADMIN, "/approve @claire")
    for user in (ADMIN, CLAIRE, NADIA, JOHN):
        await bot.say(user, user, "/start")


async def _delivered(bot, user, needle):
    await bot.dispatcher.tick()
    return await bot.emu.wait_for(lambda m: m.chat_id == user and needle in m.text)


async def test_a_concern_reaches_every_facilitator_without_the_sender(coalition):
    bot = coalition
    await _facilitators(bot)
    confirmation = await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    assert "C1" in confirmation.text and "préoccupation" in confirmation.text  # Nadia reads French
    french = await _delivered(bot, CLAIRE, CONCERN)
    arabic = await _delivered(bot, ADMIN, CONCERN)
    assert "C1" in french.text and "/raise C1" in french.text and "Préoccupation anonyme" in french.text
    assert "ملاحظة سرية" in arabic.text and arabic.text.startswith("🔒 ")
    for message in (french, arabic):
        assert "Nadia" not in message.text and "nadia" not in message.text and "NPA" not in message.text
        assert str(NADIA) not in message.text
    assert [m for m in bot.sent_to(JOHN) if CONCERN in m.text] == []  # only facilitators
    (reminder,) = [r for r in await bot.rows(Reminder) if r.kind == "concern"]
    (concern,) = await bot.rows(Concern)
    assert reminder.subject_id == concern.id and reminder.state == "done"
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(CLAIRE) if CONCERN in m.text]) == 1  # never twice


async def test_the_guided_prompt_asks_for_the_text(coalition):
    bot = coalition
    await _facilitators(bot)
    ask = await bot.say(JOHN, JOHN, "/concern")
    assert "without your name" in ask.text and ask.reply_markup["force_reply"]
    confirmation = await bot.say(JOHN, JOHN, "Donors are not told about incidents.", reply_to=ask.message_id)
    assert "C1" in confirmation.text and "Lebanon" in confirmation.text
    await _delivered(bot, CLAIRE, "Donors are not told about incidents.")
    stopped = await bot.say(JOHN, JOHN, "/concern")
    assert "/cancel" in stopped.text
    assert "nothing was sent" in (await bot.say(JOHN, JOHN, "/cancel")).text
    assert len(await bot.rows(Concern)) == 1


async def test_a_member_of_several_coalitions_chooses_with_buttons(coalition):
    bot = coalition
    await _facilitators(bot)
    bot.emu.add_group(LAOS, "Laos Coalition", admins=[ADMIN], creator=ADMIN)
    await bot.say(LAOS, ADMIN, "/setup Laos Asia/Vientiane en")
    await bot.say(LAOS, NADIA, "/join operator NPA")
    await bot.say(LAOS, JOHN, "/join donor Norway")
    await bot.say(LAOS, ADMIN, "/role @john facilitator")
    assert "C1" in (await bot.say(CLAIRE, CLAIRE, "/concern First, in Lebanon")).text  # numbered per coalition
    choice = await bot.say(NADIA, NADIA, "/concern Survey results are being altered.")
    buttons = {b["text"]: b["callback_data"] for b in choice.buttons()}
    assert set(buttons) == {"Laos", "Lebanon"} and all(len(d.encode()) <= 64 for d in buttons.values())
    assert all("Survey" not in d and str(NADIA) not in d for d in buttons.values())
    answer = await bot.press(choice, NADIA, buttons["Laos"])
    assert answer["text"]
    confirmation = await bot.next(NADIA, set(), contains="Laos")
    assert "C1" in confirmation.text
    await _delivered(bot, JOHN, "Survey results are being altered.")
    assert bot.app.user_data[NADIA].get("concern_text") is None  # the text left memory with the dialog
    assert [m for m in bot.sent_to(CLAIRE) if "Survey" in m.text] == []
    assert await bot.emu.wait_for(lambda m: m.message_id == choice.message_id and not m.buttons())
    # a choice left hanging, then cancelled: its button no longer sends anything
    second = await bot.say(NADIA, NADIA, "/concern Another one")
    await bot.say(NADIA, NADIA, "/cancel")
    assert bot.app.user_data[NADIA].get("concern_text") is None
    late = await bot.press(second, NADIA, second.buttons()[0]["callback_data"])
    assert "expiré" in late["text"]
    assert [(c.coalition_id, c.number) for c in await bot.rows(Concern)] == [(1, 1), (2, 1)]


async def test_with_no_facilitator_nothing_is_sent_or_stored(coalition):
    bot = coalition
    await bot.say(NADIA, NADIA, "/start")
    reply = await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    assert "facilitateur" in reply.text and "Lebanon" in reply.text
    english = await bot.say(JOHN, JOHN, f"/concern {CONCERN}")
    assert "no facilitator" in english.text
    assert await bot.rows(Concern) == [] and await bot.rows(ConcernLimit) == []
    assert [r for r in await bot.rows(Reminder) if r.kind == "concern"] == []


async def test_at_most_five_concerns_a_day_per_member_and_coalition(coalition):
    bot = coalition
    await _facilitators(bot)
    for i in range(5):
        assert f"C{i + 1}" in (await bot.say(NADIA, NADIA, f"/concern Concern number {i}")).text
    refused = await bot.say(NADIA, NADIA, "/concern One too many")
    assert "5" in refused.text and "24" in refused.text
    assert len(await bot.rows(Concern)) == 5 and len(await bot.rows(ConcernLimit)) == 5
    assert "C6" in (await bot.say(JOHN, JOHN, "/concern John is not limited by Nadia")).text
    bot.clock.set(bot.clock.now() + timedelta(hours=24, seconds=1))
    assert "C7" in (await bot.say(NADIA, NADIA, "/concern A day later")).text
    assert len(await bot.rows(ConcernLimit)) == 1  # the window's old entries are gone
    assert "One too many" not in {c.text for c in await bot.rows(Concern)}


async def test_without_a_secret_concerns_are_refused_and_the_operator_is_told(coalition, caplog):
    bot = coalition
    await _facilitators(bot)
    bot.app.bot_data["runtime"].settings.concern_secret = None
    caplog.set_level(logging.WARNING, logger="bot")
    reply = await bot.say(JOHN, JOHN, f"/concern {CONCERN}")
    assert "operator" in reply.text and "Nothing was sent" in reply.text
    assert any("CONCERN_SECRET" in r.getMessage() for r in caplog.records)
    assert await bot.rows(Concern) == [] and await bot.rows(ConcernLimit) == []


async def test_facilitators_raise_a_concern_as_an_unattributed_agenda_item(coalition):
    bot = coalition
    await _facilitators(bot)
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting")
    await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    assert "facilitators" in (await bot.say(GROUP, SALIM, "/raise C1")).text  # a manager, not a facilitator
    assert "facilitators" in (await bot.say(GROUP, NADIA, "/raise C1")).text
    assert "group" in (await bot.say(CLAIRE, CLAIRE, "/raise C1")).text
    assert "C9" in (await bot.say(GROUP, CLAIRE, "/raise C9")).text
    post = await bot.say(GROUP, CLAIRE, "/raise C1")
    assert CONCERN in post.text and "raised anonymously" in post.text and "M1" in post.text and "P1" in post.text
    assert "Nadia" not in post.text and "Claire" not in post.text
    (proposal,) = await bot.rows(Proposal)
    assert proposal.proposer_id is None and proposal.concern_id == 1 and proposal.meeting_id == 1
    assert "already" in (await bot.say(GROUP, CLAIRE, "/raise C1")).text
    agenda = await bot.say(GROUP, JOHN, "/agenda")
    assert "P1 · The national authority withholds" in agenda.text and "raised anonymously" in agenda.text


async def test_only_facilitators_list_concerns_and_only_in_private(coalition):
    bot = coalition
    await _facilitators(bot)
    await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    listing = await bot.say(CLAIRE, CLAIRE, "/concerns")
    assert "C1" in listing.text and CONCERN in listing.text and "non soulevée" in listing.text
    arabic = await bot.say(ADMIN, ADMIN, "/concerns")
    assert "ملاحظات" in arabic.text and CONCERN in arabic.text
    assert "facilitateurs" in (await bot.say(NADIA, NADIA, "/concerns")).text
    assert "private chat" in (await bot.say(GROUP, CLAIRE, "/concerns")).text
    assert "private chat" in (await bot.say(GROUP, NADIA, f"/concern {CONCERN}")).text
    await bot.say(GROUP, CLAIRE, "/raise C1")
    assert "soulevée le" in (await bot.say(CLAIRE, CLAIRE, "/concerns")).text


async def test_nothing_in_the_database_or_the_logs_links_a_concern_to_its_sender(coalition, caplog):
    bot = coalition
    await _facilitators(bot)
    for name in ("bot", "handlers", "jobs"):
        caplog.set_level(logging.DEBUG, logger=name)
    before = await dump_database(bot.settings.database_url)
    (nadia,) = [p for p in await bot.rows(Person) if p.tg_user_id == NADIA]
    await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    await _delivered(bot, CLAIRE, CONCERN)
    await _delivered(bot, ADMIN, CONCERN)
    after = await dump_database(bot.settings.database_url)

    # what the concern changed: its row, its limiter entry, its reminder and deliveries
    changed = {name: after[name] - before.get(name, set()) for name in after}
    changed = {name: rows for name, rows in changed.items() if rows}
    assert {"concern", "concern_limit", "reminder", "delivery"} <= set(changed)
    assert set(changed) <= {"concern", "concern_limit", "reminder", "delivery", "processed_update"}
    assert after["person"] == before["person"] and after["membership"] == before["membership"]
    names = {"nadia", str(NADIA), nadia.full_name.lower()}
    for table, rows in after.items():
        if table == "person":
            continue
        for row in rows:
            for column, value in row:
                assert value != str(NADIA), (table, column)
                assert not any(n in value.lower() for n in names if not n.isdigit()), (table, column, value)
    for table, rows in changed.items():
        for row in rows:
            for column, value in row:
                assert value != f"person:{nadia.id}", (table, column)
                if "person" in column or "user" in column or "chat" in column or "message" in column:
                    assert value != str(nadia.id), (table, column)
    (limit,) = [dict(row) for row in changed["concern_limit"]]
    assert set(limit) == {"id", "token", "at"} and len(limit["token"]) == 64
    assert set(dict(next(iter(changed["concern"])))) == {
        "id",
        "coalition_id",
        "number",
        "text",
        "created_at",
        "raised_at",
    }

    # the logs of our own code (DEBUG included) never mention the sender
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("bot", "handlers", "jobs")]
    assert ours  # the dispatcher did log the delivery
    for record in ours:
        line = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        assert str(NADIA) not in line and "nadia" not in line.lower() and CONCERN not in line
