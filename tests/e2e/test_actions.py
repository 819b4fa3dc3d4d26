"""Issue 4 end to end: action points, the three ways of updating them, lists, notes and summaries.

The bot is made a group administrator here, as the README asks for `#AP3` messages: with
privacy mode on, a plain group message only reaches an administrator bot.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.models import ActionPoint, ActionUpdate, Reminder
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, confirm

ARABIC = re.compile(r"[\u0600-\u06FF]")


async def _reactions(bot, count: int, timeout: float = 3.0) -> list[dict]:
    """The reactions the bot set, once there are `count` of them (they are sent in the background)."""
    for _ in range(int(timeout / 0.02)):
        if len(bot.emu.reactions) >= count:
            break
        await asyncio.sleep(0.02)
    return bot.emu.reactions


async def _quiet(bot, text: str, user: int = NADIA, **kwargs):
    """A group message that should get no answer; returns the message the user sent."""
    seen = bot.snapshot()
    message = await bot.emu.send(GROUP, user, text, **kwargs)
    await bot.idle()
    await asyncio.sleep(0.05)
    assert bot.replies(GROUP, seen) == []
    return message


@pytest.fixture
async def team(coalition):
    """Salim is the national authority (LMAC), Rania the facilitator (GICHD: her own claim,
    confirmed by Salim); the bot administers the group; everyone started it."""
    bot = coalition
    await bot.emu.add_bot_to_group(GROUP, ADMIN, as_admin=True)
    await bot.say(GROUP, ADMIN, "/join facilitator GICHD")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    await confirm(bot, GROUP, "rania", by=SALIM)
    for user in (ADMIN, NADIA, JOHN, SALIM):
        await bot.say(user, user, "/start")
    return bot


async def test_managers_create_numbered_action_points_for_members_organisations_and_roles(team):
    bot = team
    first = await bot.say(GROUP, SALIM, "/action @nadia 2027-03-31 Submit technical survey plan for sector 4")
    assert "AP1" in first.text and "Submit technical survey plan for sector 4" in first.text
    assert "Nadia" in first.text and "Mar 31, 2027" in first.text and "overdue" not in first.text
    second = await bot.say(GROUP, SALIM, "/action NPA Share clearance figures")
    assert "AP2" in second.text and "Owner: NPA" in second.text
    third = await bot.say(GROUP, SALIM, "/action Embassy of Norway 2027-06-30 Confirm funding")
    assert "AP3" in third.text and "Owner: Embassy of Norway" in third.text and "Confirm funding" in third.text
    fourth = await bot.say(GROUP, ADMIN, "/action national_authority Draft extension request")
    assert "AP4" in fourth.text and "national authority" in fourth.text
    rows = await bot.rows(ActionPoint)
    assert [(a.number, a.owner_kind, a.owner_name) for a in rows] == [
        (1, "member", ""),
        (2, "organisation", "NPA"),
        (3, "organisation", "Embassy of Norway"),
        (4, "role", "national_authority"),
    ]


async def test_a_past_due_date_is_accepted_with_a_warning(team):
    bot = team
    reply = await bot.say(GROUP, SALIM, "/action @john 2026-12-15 Send the donor pledge letter")
    assert "AP1" in reply.text and "already overdue" in reply.text
    assert len(await bot.rows(ActionPoint)) == 1


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("/action @nadia 2027-02-30 Impossible day", "2027-02-30"),
        ("/action @nadia 31/03/2027 Wrong format", "31/03/2027"),
        ("/action @nobody Survey", "@nobody"),
        ("/action Acme Survey", "Acme"),
        ("/action @nadia 2027-03-31", "/action"),
        ("/action", "/action"),
    ],
)
async def test_bad_action_points_are_refused_and_nothing_is_stored(team, command, named):
    bot = team
    reply = await bot.say(GROUP, SALIM, command)
    assert named in reply.text and "AP1" not in reply.text
    assert await bot.rows(ActionPoint) == []


async def test_errors_are_localised(team):
    bot = team
    await bot.say(GROUP, ADMIN, "/language fr")
    reply = await bot.say(GROUP, SALIM, "/action @nadia 2027-02-30 Impossible")
    assert "2027-02-30" in reply.text and "date" in reply.text and "valid" not in reply.text
    await bot.say(GROUP, ADMIN, "/language ar")
    reply = await bot.say(GROUP, SALIM, "/action Acme Survey")
    assert "Acme" in reply.text and ARABIC.match(reply.text)


async def test_only_managers_create_action_points(team):
    bot = team
    reply = await bot.say(GROUP, NADIA, "/action @nadia Something")
    assert "managers" in reply.text
    assert await bot.rows(ActionPoint) == []


async def test_update_command_with_status_percentage_and_text(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia 2027-03-31 Submit technical survey plan for sector 4")
    message = await _quiet(bot, "/update AP1 progress 60% teams deployed to sector 4")
    (reaction,) = await _reactions(bot, 1)
    assert reaction["message_id"] == message["message_id"] and reaction["reaction"][0]["emoji"] == "👍"
    (action,) = await bot.rows(ActionPoint)
    assert (action.status, action.percent) == ("progress", 60)
    (update,) = await bot.rows(ActionUpdate)
    assert (update.status, update.percent, update.text, update.comment) == (
        "progress",
        60,
        "teams deployed to sector 4",
        False,
    )


async def test_a_reply_to_the_action_point_message_updates_it_in_french(team):
    bot = team
    created = await bot.say(GROUP, SALIM, "/action @nadia Plan de levé technique")
    await _quiet(bot, "terminé, plan remis au CLAM", reply_to=created.message_id)
    await _reactions(bot, 1)
    (action,) = await bot.rows(ActionPoint)
    assert action.status == "done"
    assert (await bot.rows(ActionUpdate))[0].text == "plan remis au CLAM"


async def test_hash_tags_in_ordinary_messages_update_several_points_in_three_languages(team):
    bot = team
    for owner in ("NPA", "NPA", "NPA"):
        await bot.say(GROUP, SALIM, f"/action {owner} Task")
    await _quiet(bot, "Teams deployed to sector 4 #AP1 en cours 60%, #AP2 متعثر no permits yet #AP3 done")
    await _reactions(bot, 1)
    states = [(a.number, a.status, a.percent) for a in await bot.rows(ActionPoint)]
    assert states == [(1, "progress", 60), (2, "blocked", None), (3, "done", None)]
    texts = [u.text for u in await bot.rows(ActionUpdate)]
    assert texts == [
        "Teams deployed to sector 4",
        "Teams deployed to sector 4 no permits yet",
        "Teams deployed to sector 4",
    ]
    assert len(bot.emu.reactions) == 1  # one message, one acknowledgement


async def test_arabic_and_french_status_words(team):
    bot = team
    for _ in range(3):
        await bot.say(GROUP, SALIM, "/action NPA Task")
    await _quiet(bot, "#AP1 قيد التنفيذ ٤٠٪")
    await _quiet(bot, "#AP2 bloque : en attente du permis")
    await _quiet(bot, "#AP3 منجز")
    await _reactions(bot, 3)
    states = [(a.status, a.percent) for a in await bot.rows(ActionPoint)]
    assert states == [("progress", 40), ("blocked", None), ("done", None)]


async def test_others_messages_are_kept_as_comments_and_commands_are_refused(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia Survey plan")
    message = await _quiet(bot, "#AP1 done, I saw the plan", user=JOHN)
    (reaction,) = await _reactions(bot, 1)
    assert reaction["message_id"] == message["message_id"] and reaction["reaction"][0]["emoji"] == "✍"
    (action,) = await bot.rows(ActionPoint)
    assert action.status == "open"
    (comment,) = await bot.rows(ActionUpdate)
    assert comment.comment and comment.text == "#AP1 done, I saw the plan" and comment.status is None
    refusal = await bot.say(GROUP, JOHN, "/update AP1 done")
    assert "owner" in refusal.text and "AP1" in refusal.text
    refusal = await bot.say(GROUP, JOHN, "/done AP1")
    assert "owner" in refusal.text
    await _quiet(bot, "/update AP1 looks good to the donors", user=JOHN)
    assert [u.comment for u in await bot.rows(ActionUpdate)] == [True, True]
    assert (await bot.rows(ActionPoint))[0].status == "open"
    # a manager may change anyone's action point
    await _quiet(bot, "#AP1 blocked", user=SALIM)
    assert (await bot.rows(ActionPoint))[0].status == "blocked"


async def test_organisation_and_role_owners_may_update(team):
    bot = team
    await bot.say(GROUP, ADMIN, "/action NPA Share clearance figures")
    await bot.say(GROUP, ADMIN, "/action donor Confirm funding")
    await _quiet(bot, "/update AP1 50%")
    await _quiet(bot, "/done AP2 pledged", user=JOHN)
    await _reactions(bot, 2)
    assert [(a.status, a.percent) for a in await bot.rows(ActionPoint)] == [("progress", 50), ("done", None)]


async def test_unrelated_messages_and_unknown_points_get_no_answer(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia Survey plan")
    await _quiet(bot, "Good morning everyone, see you at the meeting")
    await _quiet(bot, "#AP99 done")
    await _quiet(bot, "AP1 done without a hash sign")
    await _quiet(bot, "#AP1", user=SALIM)
    await asyncio.sleep(0.1)
    assert bot.emu.reactions == [] and await bot.rows(ActionUpdate) == []
    stranger = 1099
    bot.emu.add_user(stranger, "Visitor")
    await _quiet(bot, "#AP1 done", user=stranger)
    assert await bot.rows(ActionUpdate) == []


async def test_the_meeting_dialog_still_works_with_the_bot_reading_all_messages(team):
    bot = team
    ask = await bot.say(GROUP, ADMIN, "/meeting")
    title = await bot.say(GROUP, ADMIN, "2027-05-20 10:00", reply_to=ask.message_id)
    place = await bot.say(GROUP, ADMIN, "Review of #AP1", reply_to=title.message_id)
    announcement = await bot.say(GROUP, ADMIN, "UNDP office", reply_to=place.message_id)
    assert "Review of #AP1" in announcement.text and "UNDP office" in announcement.text


async def test_done_and_reopen(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia Survey plan")
    await _quiet(bot, "/done AP1 plan submitted")
    assert (await bot.rows(ActionPoint))[0].status == "done"
    again = await bot.say(GROUP, NADIA, "/done AP1")
    assert "already done" in again.text
    await _quiet(bot, "/reopen AP1 the plan was rejected")
    assert (await bot.rows(ActionPoint))[0].status == "open"
    assert "not done" in (await bot.say(GROUP, NADIA, "/reopen AP1")).text
    assert "AP7" in (await bot.say(GROUP, NADIA, "/done AP7")).text
    assert "“sector”" in (await bot.say(GROUP, NADIA, "/done sector")).text


async def test_actions_lists_group_by_owner_with_filters(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia 2027-01-05 Survey plan")
    await bot.say(GROUP, SALIM, "/action NPA 2027-04-30 Share clearance figures")
    await bot.say(GROUP, SALIM, "/action @john Confirm funding")
    await bot.say(GROUP, SALIM, "/action national_authority Draft extension request")
    await _quiet(bot, "/update AP2 progress 60% teams deployed")
    listing = await bot.say(GROUP, JOHN, "/actions")
    text = listing.text
    assert text.index("Nadia") < text.index("AP1") < text.index("NPA") < text.index("AP2") < text.index("John")
    assert "overdue by 5 days" in text and "Jan 5, 2027" in text and "in progress · 60%" in text
    assert "teams deployed" in text and "4 action points · 1 overdue" in text
    mine = (await bot.say(GROUP, NADIA, "/actions mine")).text
    assert "AP1" in mine and "AP2" in mine and "AP3" not in mine and "AP4" not in mine
    overdue = (await bot.say(GROUP, JOHN, "/actions overdue")).text
    assert "AP1" in overdue and "AP2" not in overdue
    by_member = (await bot.say(GROUP, JOHN, "/actions @nadia")).text
    assert "AP1" in by_member and "AP2" in by_member and "AP3" not in by_member
    by_organisation = (await bot.say(GROUP, JOHN, "/actions NPA")).text
    assert "AP1" in by_organisation and "AP2" in by_organisation and "AP4" not in by_organisation
    assert "AP4" in (await bot.say(GROUP, JOHN, "/actions national_authority")).text
    assert "Acme" in (await bot.say(GROUP, JOHN, "/actions Acme")).text
    await _quiet(bot, "/done AP1")
    assert "AP1" not in (await bot.say(GROUP, JOHN, "/actions")).text


async def test_private_actions_cover_every_coalition_of_the_member(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia Survey plan in Lebanon")
    other = -1002
    bot.emu.add_group(other, "Lao Coalition", admins=[JOHN], creator=JOHN, bot_status="administrator")
    bot.emu.add_user(1020, "Kham", username="kham")
    await bot.say(other, JOHN, "/setup Lao PDR Asia/Vientiane fr")
    await bot.say(other, NADIA, "/join operator NPA")
    await confirm(bot, other, "nadia", by=JOHN)
    await bot.say(other, JOHN, "/action NPA Plan de levé au Laos")
    reply = await bot.say(NADIA, NADIA, "/actions mine")
    assert "Lebanon" in reply.text and "Lao PDR" in reply.text
    assert "Survey plan in Lebanon" in reply.text and "Plan de levé au Laos" in reply.text
    assert "Points d'action ouverts" in reply.text  # Nadia reads French


async def test_long_lists_are_split_without_breaking_the_markup(team):
    bot = team
    await bot.say(GROUP, ADMIN, "/language en,fr,ar")
    for i in range(45):
        await bot.emu.send(
            GROUP, SALIM, f"/action NPA 2027-0{1 + i % 9}-1{i % 9} Clearance task {i} <sector> " + "x" * 80
        )
    await bot.idle(timeout=30)
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/actions")
    await bot.idle()
    await bot.say(GROUP, JOHN, "/help")
    parts = [m for m in bot.replies(GROUP, seen) if "Clearance task" in m.text]
    assert len(parts) >= 3 and all(len(p.text) <= 4096 for p in parts)
    assert any("&lt;sector&gt;" in p.params["text"] for p in parts)
    # every part parsed as HTML by the emulator: the fixture checks no request was rejected


async def test_notes_and_the_summary_in_three_languages(team):
    bot = team
    from datetime import timedelta

    await bot.say(GROUP, ADMIN, "/meeting 2027-01-12 09:00 Winter meeting @ LMAC")
    announcement = next(m for m in bot.sent_to(GROUP) if "Winter meeting" in m.text)
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    await bot.press(announcement, SALIM, announcement.buttons()[0]["callback_data"])
    await bot.press(announcement, JOHN, announcement.buttons()[1]["callback_data"])
    refused = await bot.say(GROUP, SALIM, "/note too early")
    assert "No meeting has taken place" in refused.text
    bot.clock.set(bot.clock.now() + timedelta(days=2))  # 12 January, 10:00 in Beirut
    await _quiet(bot, "/note The coalition agrees to prioritise sector 4", user=SALIM)
    await bot.say(GROUP, SALIM, "/action @nadia 2027-03-31 Submit technical survey plan for sector 4")
    assert "managers" in (await bot.say(GROUP, NADIA, "/note mine")).text
    summary = await bot.say(GROUP, SALIM, "/summary")
    text = summary.text
    assert "Summary of meeting M1" in text and "Winter meeting" in text and "Tuesday, January 12, 2027" in text
    assert "LMAC: Salim" in text and "NPA: Nadia" in text and "Embassy of Norway: John @john (online)" in text
    assert "prioritise sector 4" in text and "AP1" in text and "Mar 31, 2027" in text
    await bot.dispatcher.tick()
    copies = {
        user: await bot.emu.wait_for(lambda m, u=user: m.chat_id == u and "M1" in m.text and "AP1" in m.text)
        for user in (ADMIN, NADIA, JOHN, SALIM)
    }
    assert "Summary of meeting" in copies[JOHN].text
    assert "Compte rendu de la réunion" in copies[NADIA].text
    assert ARABIC.search(copies[ADMIN].text.splitlines()[0])
    assert "Summary of meeting" in copies[SALIM].text  # Telegram language "de": the coalition's
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(NADIA) if "AP1" in m.text]) == 1  # never twice
    (row,) = [r for r in await bot.rows(Reminder) if r.kind == "summary"]
    assert row.state == "done" and row.subject_id is not None


async def test_summary_refusals(team):
    bot = team
    assert "No meeting has taken place" in (await bot.say(GROUP, SALIM, "/summary")).text
    await bot.say(GROUP, ADMIN, "/meeting 2027-05-20 10:00 Spring")
    assert "M1" in (await bot.say(GROUP, SALIM, "/summary M1")).text
    assert "M9" in (await bot.say(GROUP, SALIM, "/summary M9")).text
    assert "managers" in (await bot.say(GROUP, JOHN, "/summary")).text


async def test_with_privacy_mode_replies_work_and_plain_tags_are_not_seen(coalition):
    bot = coalition  # the bot is an ordinary member: Telegram's privacy mode applies
    created = await bot.say(GROUP, ADMIN, "/action @nadia Survey plan")
    await _quiet(bot, "#AP1 done")  # never delivered to the bot
    assert (await bot.rows(ActionPoint))[0].status == "open"
    await _quiet(bot, "en cours 30%", reply_to=created.message_id)  # a reply to the bot is delivered
    await _reactions(bot, 1)
    assert [(a.status, a.percent) for a in await bot.rows(ActionPoint)] == [("progress", 30)]


async def test_a_bad_percentage_is_refused(team):
    bot = team
    await bot.say(GROUP, SALIM, "/action @nadia Survey plan")
    reply = await bot.say(GROUP, NADIA, "/update AP1 140% almost")
    assert "140%" in reply.text
    assert await bot.rows(ActionUpdate) == []


async def test_a_group_administrator_who_has_not_joined_manages_action_points(coalition):
    bot = coalition  # Rania administers the group but is no member
    await bot.say(GROUP, ADMIN, "/action @nadia Survey plan")
    await _quiet(bot, "/done AP1 closed by the chair", user=ADMIN)
    await _reactions(bot, 1)
    (update,) = await bot.rows(ActionUpdate)
    assert (await bot.rows(ActionPoint))[0].status == "done" and not update.comment
    stranger = await bot.say(GROUP, SALIM, "/update AP1 open")  # neither member nor manager
    assert "/join" in stranger.text
