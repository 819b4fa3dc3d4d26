"""`/forgetme`: a member's personal data erased everywhere, shared records kept anonymously."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, dump_database


async def _everything_personal_about_nadia(bot):
    await bot.say(NADIA, NADIA, "/language fr")
    await bot.say(NADIA, NADIA, "/timezone Europe/Paris")
    announcement = await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring @ LMAC")
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    poll = await bot.say(GROUP, ADMIN, "/poll open Which topics first? | Extension request | NMAS revision")
    await bot.emu.poll_answer(poll.poll["id"], NADIA, [0, 1])
    await bot.idle()
    await bot.say(GROUP, ADMIN, "/action @nadia 2027-03-31 Submit technical survey plan for sector 4")
    await bot.emu.send(GROUP, NADIA, "/update AP1 progress 40% teams deployed")  # acknowledged by a reaction
    await bot.idle()
    await bot.say(NADIA, NADIA, "/start")
    await bot.say(NADIA, NADIA, "/report")  # a dialog under way in her private chat
    bot.emu.block(NADIA)
    await bot.say(GROUP, ADMIN, "/reschedule M1 2027-04-16 09:30")  # its notice to her is refused: 403
    await bot.idle()


def _cells(dump) -> str:
    return "\n".join(value for rows in dump.values() for row in rows for _column, value in row)


async def test_forgetme_erases_personal_data_and_keeps_shared_records(coalition):
    bot = coalition
    await _everything_personal_about_nadia(bot)
    dump = await dump_database(bot.settings.database_url)
    before = _cells(dump)
    assert str(NADIA) in before and "nadia" in before and "Europe/Paris" in before
    for table in ("dialog_state", "outbox_message"):  # rows that hold her private chat's id
        assert any(str(NADIA) in value for row in dump[table] for _column, value in row), table

    question = await bot.say(NADIA, NADIA, "/forgetme")
    assert "irréversible" in question.text
    erase = question.buttons()[0]["callback_data"]
    seen = bot.snapshot()
    answer = await bot.press(question, NADIA, erase)
    assert "effacées" in answer["text"]  # still in her language, chosen before erasure
    assert "effacées" in (await bot.next(NADIA, seen)).text

    after = await dump_database(bot.settings.database_url)
    text = _cells(after)
    for identifier in (str(NADIA), "@nadia", "Europe/Paris"):
        assert identifier not in text, identifier
    assert not any(value == "nadia" or value == "Nadia" for rows in after.values() for row in rows for _c, value in row)
    assert any("technical survey plan" in value for rows in after.values() for row in rows for _c, value in row)
    listing = await bot.say(GROUP, ADMIN, "/actions")
    assert "AP1" in listing.text and "former member" in listing.text
    members = await bot.say(GROUP, ADMIN, "/members")
    assert "Nadia" not in members.text and "John" in members.text
    bot.emu.requests[:] = [r for r in bot.emu.requests if r.status != 403]  # the refused notice above


async def test_forgetme_can_be_declined_and_only_works_privately(coalition):
    bot = coalition
    refused = await bot.say(GROUP, JOHN, "/forgetme")
    assert "private chat" in refused.text
    question = await bot.say(JOHN, JOHN, "/forgetme")
    await bot.press(question, JOHN, question.buttons()[1]["callback_data"])
    members = await bot.say(GROUP, ADMIN, "/members")
    assert "John" in members.text
