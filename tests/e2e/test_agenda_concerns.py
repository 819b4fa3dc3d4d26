"""Anonymous concerns end to end (SPEC §8 as amended): the member sees who will receive a
concern before it is sent; delivery to facilitators only; limits per member and per
coalition; /raise and /concerns; new facilitators see only later concerns; and the promise
itself: after the window, the whole database, the log and the configuration cannot tell the
sender from the other members."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import timedelta

from sqlmodel import SQLModel

from bot.app import build_application
from bot.cli import _configure_logging as configure_logging
from bot.models import Concern, ConcernLimit, Delivery, Person, Proposal, Reminder
from jobs import housekeeping
from tests.e2e.conftest import (
    ADMIN,
    GROUP,
    JOHN,
    NADIA,
    SALIM,
    confirm,
    dump_database,
    make_settings,
    started_bot,
)

CLAIRE = 1005
LAOS = -3003
CONCERN = "The national authority withholds tasking from operators who report delays."


async def _facilitators(bot):
    """Rania (Arabic, group administrator) and Claire (French) facilitate, each confirming the
    other's organisation (SPEC §3); both started the bot."""
    bot.emu.add_user(CLAIRE, "Claire", last_name="Dubois", username="claire", language_code="fr")
    await bot.say(GROUP, ADMIN, "/join facilitator LMAC")
    await bot.say(GROUP, CLAIRE, "/join facilitator GICHD")
    await bot.say(GROUP, ADMIN, "/approve @claire")
    await confirm(bot, GROUP, "rania", by=CLAIRE)
    for user in (ADMIN, CLAIRE, NADIA, JOHN, SALIM):
        await bot.say(user, user, "/start")


async def _send(bot, user, text):
    """/concern, read who will receive it, press its button: the confirmation (or a refusal)."""
    recipients = await bot.say(user, user, text)
    return await _press_send(bot, user, recipients) if recipients.buttons() else recipients


async def _press_send(bot, user, recipients, coalition=None):
    buttons = recipients.buttons()
    assert buttons, recipients.text
    button = buttons[0] if coalition is None else next(b for b in buttons if coalition in b["text"])
    seen = bot.snapshot()
    await bot.press(recipients, user, button["callback_data"])
    return await bot.next(user, seen)


async def _delivered(bot, user, needle):
    await bot.dispatcher.tick()
    return await bot.emu.wait_for(lambda m: m.chat_id == user and needle in m.text)


async def test_the_member_sees_who_will_receive_it_before_anything_is_sent(coalition):
    bot = coalition
    await _facilitators(bot)
    recipients = await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    assert "Claire Dubois (GICHD)" in recipients.text and "Rania Haddad (LMAC)" in recipients.text
    assert "2027" in recipients.text  # since when they hold the role
    assert "John" not in recipients.text
    assert await bot.rows(Concern) == [] and await bot.rows(Reminder) == []  # nothing sent yet
    confirmation = await _press_send(bot, NADIA, recipients)
    assert "C1" in confirmation.text and "préoccupation" in confirmation.text  # Nadia reads French
    french = await _delivered(bot, CLAIRE, CONCERN)
    arabic = await _delivered(bot, ADMIN, CONCERN)
    assert "C1" in french.text and "/raise C1" in french.text and "Préoccupation anonyme" in french.text
    assert "ملاحظة سرية" in arabic.text and arabic.text.startswith("🔒 ")
    for message in (french, arabic):
        assert "Nadia" not in message.text and "nadia" not in message.text and "NPA" not in message.text
        assert str(NADIA) not in message.text
    assert [m for m in bot.sent_to(JOHN) if CONCERN in m.text] == []  # only facilitators
    (concern,) = await bot.rows(Concern)
    assert (concern.created_at.hour, concern.created_at.minute, concern.created_at.second) == (0, 0, 0)
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(CLAIRE) if CONCERN in m.text]) == 1  # never twice
    await housekeeping.run(_Context(bot))
    assert [r for r in await bot.rows(Reminder) if r.kind == "concern"] == [] and await bot.rows(Delivery) == []


class _Context:
    """What a scheduled job receives, enough to run one by hand."""

    def __init__(self, bot) -> None:
        self.bot_data = bot.app.bot_data

    @property
    def runtime(self):
        return self.bot_data["runtime"]


async def test_the_guided_prompt_asks_for_the_text(coalition):
    bot = coalition
    await _facilitators(bot)
    ask = await bot.say(JOHN, JOHN, "/concern")
    assert "without your name" in ask.text and ask.reply_markup["force_reply"]
    recipients = await bot.say(JOHN, JOHN, "Donors are not told about incidents.", reply_to=ask.message_id)
    confirmation = await _press_send(bot, JOHN, recipients)
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
    assert "C1" in (await _send(bot, CLAIRE, "/concern First, in Lebanon")).text  # numbered per coalition
    choice = await bot.say(NADIA, NADIA, "/concern Survey results are being altered.")
    assert (
        "Laos" in choice.text and "Liban" in choice.text and "John" in choice.text and "Claire" in choice.text
    )  # the reader names the country (French)
    buttons = {b["text"]: b["callback_data"] for b in choice.buttons()}
    assert len(buttons) == 2 and all(len(d.encode()) <= 64 for d in buttons.values())
    assert all("Survey" not in d and str(NADIA) not in d for d in buttons.values())
    confirmation = await _press_send(bot, NADIA, choice, "Laos")
    assert "C1" in confirmation.text and "Laos" in confirmation.text
    await _delivered(bot, JOHN, "Survey results are being altered.")
    assert bot.app.user_data[NADIA].get("concern_text") is None  # the text left memory with the dialog
    assert [m for m in bot.sent_to(CLAIRE) if "Survey" in m.text] == []
    assert await bot.emu.wait_for(lambda m: m.message_id == choice.message_id and not m.buttons())
    # a choice left hanging, then cancelled: its button no longer sends anything
    second = await bot.say(NADIA, NADIA, "/concern Another one")
    await bot.say(NADIA, NADIA, "/cancel")
    assert bot.app.user_data[NADIA].get("concern_text") is None
    late = await bot.press(second, NADIA, second.buttons()[0]["callback_data"])
    assert "mémoire" in late["text"]  # says why: the text lived only in memory
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


async def test_at_most_five_concerns_a_day_per_member_and_forgetme_does_not_reset_it(coalition):
    bot = coalition
    await _facilitators(bot)
    for i in range(5):
        assert f"C{i + 1}" in (await _send(bot, NADIA, f"/concern Concern number {i}")).text
    refused = await _send(bot, NADIA, "/concern One too many")
    assert "5" in refused.text and "24" in refused.text
    assert len(await bot.rows(Concern)) == 5 and len(await bot.rows(ConcernLimit)) == 5
    assert "C6" in (await _send(bot, JOHN, "/concern John is not limited by Nadia")).text
    # erasing herself and joining again does not give Nadia five more
    confirm = await bot.say(NADIA, NADIA, "/forgetme")
    await bot.press(confirm, NADIA, confirm.buttons()[0]["callback_data"])
    await bot.say(GROUP, NADIA, "/join operator NPA")
    await bot.say(NADIA, NADIA, "/start")
    refused = await _send(bot, NADIA, "/concern Again, after forgetme")
    assert "5" in refused.text and "24" in refused.text
    bot.clock.set(bot.clock.now() + timedelta(hours=25))
    assert "C7" in (await _send(bot, NADIA, "/concern A day later")).text
    await housekeeping.run(_Context(bot))
    assert len(await bot.rows(ConcernLimit)) == 1  # the window's old entries are gone
    assert {"One too many", "Again, after forgetme"} & {c.text for c in await bot.rows(Concern)} == set()


async def test_concerns_work_with_only_a_token_and_an_old_secret_is_ignored_with_a_warning(emu, db_url, caplog):
    settings = make_settings(emu, db_url)
    assert settings.concern_secret is None  # the e2e bot runs with a token and nothing else
    caplog.set_level(logging.WARNING, logger="bot")
    build_application(settings.model_copy(update={"concern_secret": "old-secret"}))
    warnings = [r for r in caplog.records if "CONCERN_SECRET" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING" and "old-secret" not in warnings[0].getMessage()


async def test_a_new_facilitator_sees_only_later_concerns_and_the_group_is_told(coalition):
    bot = coalition
    await _facilitators(bot)
    await _send(bot, NADIA, f"/concern {CONCERN}")
    announcement = await bot.say(GROUP, ADMIN, "/role @john facilitator")
    assert "John" in announcement.text and "from now on" in announcement.text
    await bot.dispatcher.tick()
    assert [m for m in bot.sent_to(JOHN) if CONCERN in m.text] == []
    listing = await bot.say(JOHN, JOHN, "/concerns")
    assert "C1" not in listing.text and CONCERN not in listing.text
    await _send(bot, NADIA, "/concern A later one")
    await _delivered(bot, JOHN, "A later one")
    listing = await bot.say(JOHN, JOHN, "/concerns")
    assert "C2" in listing.text and "C1" not in listing.text
    assert "C1" in (await bot.say(CLAIRE, CLAIRE, "/concerns")).text


async def test_facilitators_raise_a_concern_as_an_unattributed_agenda_item(coalition):
    bot = coalition
    await _facilitators(bot)
    await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring coalition meeting")
    await _send(bot, NADIA, f"/concern {CONCERN}")
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
    await _send(bot, NADIA, f"/concern {CONCERN}")
    listing = await bot.say(CLAIRE, CLAIRE, "/concerns")
    assert "C1" in listing.text and CONCERN in listing.text and "non soulevée" in listing.text
    arabic = await bot.say(ADMIN, ADMIN, "/concerns")
    assert "ملاحظات" in arabic.text and CONCERN in arabic.text
    assert "facilitateurs" in (await bot.say(NADIA, NADIA, "/concerns")).text
    assert "private chat" in (await bot.say(GROUP, CLAIRE, "/concerns")).text
    assert "private chat" in (await bot.say(GROUP, NADIA, f"/concern {CONCERN}")).text
    await bot.say(GROUP, CLAIRE, "/raise C1")
    assert "soulevée le" in (await bot.say(CLAIRE, CLAIRE, "/concerns")).text


async def test_a_restart_between_the_steps_says_why_nothing_was_sent(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, NADIA, "/join operator NPA")
        await _facilitators(bot)
        recipients = await bot.say(NADIA, NADIA, f"/concern {CONCERN}")
    async with started_bot(emu, db_url, clock) as bot:
        answer = await bot.press(recipients, NADIA, recipients.buttons()[0]["callback_data"])
        assert "mémoire" in answer["text"] and "/concern" in answer["text"]
        assert await bot.rows(Concern) == []


def _identifiers(person: Person) -> set[str]:
    return {str(person.tg_user_id), f"person:{person.id}", person.username, person.full_name}


_PERSON_COLUMNS = {("person", "id")} | {
    (table.name, column.name)
    for table in SQLModel.metadata.tables.values()
    for column in table.columns
    if any(key.target_fullname == "person.id" for key in column.foreign_keys)
}
"""Where a bare number is a person's row id; elsewhere "3" is a meeting, a count or a coalition."""


def _mentions(dump: dict[str, set[tuple]], person: Person) -> dict[str, int]:
    """How many cells of each table name this person: what an investigator can look up."""
    marks = _identifiers(person)
    counts: dict[str, int] = {}
    for table, rows in dump.items():
        for row in rows:
            for column, value in row:
                if value in marks or ((table, column) in _PERSON_COLUMNS and value == str(person.id)):
                    counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + 1
    return counts


async def test_after_the_window_the_sender_cannot_be_told_apart_from_the_other_members(coalition, caplog):
    """The whole database, every log line (DEBUG included) and the configuration, 25 hours
    after Nadia sent a concern: nothing treats Nadia differently from Salim, who did the same
    things except sending it, and no key in the configuration recomputes anything stored."""
    bot = coalition
    caplog.set_level(logging.DEBUG)
    levels = {name: logging.getLogger(name).level for name in _CONFIGURED}
    configure_logging(bot.settings.model_copy(update={"log_level": "DEBUG"}))  # as `coalition-bot run` does
    try:
        await _window_and_after(bot, caplog)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


_CONFIGURED = ("httpx", "alembic.runtime.plugins", "apscheduler.executors.default", "telegram", "telegram.ext")


async def _window_and_after(bot, caplog):
    await bot.say(GROUP, SALIM, "/join operator HALO")
    await _facilitators(bot)
    for user in (NADIA, SALIM):  # the same visible activity: reading their coalitions' concerns refused
        await bot.say(user, user, "/concerns")
    await _send(bot, NADIA, f"/concern {CONCERN}")
    await _delivered(bot, CLAIRE, CONCERN)
    await _delivered(bot, ADMIN, CONCERN)
    during = await dump_database(bot.settings.database_url)
    assert during["concern_limit"] and during["concern_quota"]  # the window holds only the keyed entries

    bot.clock.set(bot.clock.now() + timedelta(hours=25))
    await housekeeping.run(_Context(bot))
    after = await dump_database(bot.settings.database_url)
    people = {p.tg_user_id: p for p in await bot.rows(Person)}
    nadia, salim = people[NADIA], people[SALIM]

    assert after["concern_limit"] == after["concern_quota"] == set()
    assert {dict(r)["reminder_id"] for r in after["delivery"]} & {
        dict(r)["id"] for r in after["reminder"] if dict(r)["kind"] == "concern"
    } == set()
    (concern,) = [dict(r) for r in after["concern"]]
    assert set(concern) == {"id", "coalition_id", "number", "text", "created_at", "raised_at"}
    assert " 00:00:00" in concern["created_at"]
    # the database names Nadia exactly where it names Salim
    assert _mentions(after, nadia) == _mentions(after, salim)
    # no keyed hash of any member under anything in the configuration is stored
    config = {str(v) for v in bot.settings.model_dump().values() if v}
    stored = {value for rows in after.values() for row in rows for _, value in row}
    for secret in config:
        for person in (nadia, salim):
            for text in (f"1:{person.tg_user_id}", f"1:{person.tg_user_id}:0"):
                digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
                assert digest not in stored

    # the log: every line, whoever wrote it, mentions Nadia as often as Salim, and never the text
    lines = [
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "") for r in caplog.records
    ]
    assert lines
    for line in lines:
        assert CONCERN not in line
        assert _names(NADIA, line) == _names(SALIM, line) or not _names(NADIA, line), line
        assert "nadia" not in line.lower() and "salim" not in line.lower()
    assert sum(_names(NADIA, line) for line in lines) == sum(_names(SALIM, line) for line in lines)


def _names(user_id: int, line: str) -> bool:
    """The id as a number of its own, not digits inside another (an address such as 0x7ff53561004…)."""
    return re.search(rf"(?<![0-9A-Fa-fx]){user_id}(?![0-9A-Fa-f])", line) is not None
