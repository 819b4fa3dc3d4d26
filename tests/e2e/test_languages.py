"""Issue 13 end to end: text copied from Arabic messages (with direction controls) still works,
roles are typed in French and Arabic, a mixed-language group's buttons carry its languages,
and a meeting announcement reads as an Arabic reader expects."""

from __future__ import annotations

import re

from bidi import get_base_level, get_display

from bot.models import ActionPoint, ActionUpdate, Membership
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM

LRI, FSI, PDI, RLM = "\u2066", "\u2068", "\u2069", "\u200f"


async def test_a_command_copied_with_isolates_around_it_is_still_a_command(coalition):
    bot = coalition
    reply = await bot.say(GROUP, JOHN, f"{LRI}/help{PDI}")
    assert "What you can do here" in reply.text


async def test_references_dates_and_numbers_copied_from_arabic_text_parse(coalition):
    bot = coalition
    created = await bot.say(GROUP, ADMIN, f"/action @nadia {FSI}2027-05-31{PDI} Submit the survey plan")
    assert "AP1" in created.text
    await bot.emu.send(GROUP, NADIA, f"/update {FSI}AP1{PDI} progress {FSI}٦٠{PDI}% {RLM}started")
    await bot.idle()
    [action] = await bot.rows(ActionPoint)
    assert (action.status, action.percent) == ("progress", 60)
    [update] = await bot.rows(ActionUpdate)
    assert not re.search("[\u2066-\u2069\u200e\u200f]", update.text)
    moved = await bot.say(GROUP, ADMIN, "/meeting ٢٠٢٧-٠٤-١٥ ٠٩:٣٠ Arabic-Indic digits")
    assert "M1" in moved.text and "April 15, 2027" in moved.text


async def test_roles_are_typed_in_french_and_arabic(coalition):
    bot = coalition
    reply = await bot.say(GROUP, SALIM, "/join الجهة المانحة Embassy of Italy")
    assert "donor" in reply.text
    memberships = {m.person_id: m for m in await bot.rows(Membership)}
    assert any(m.role == "donor" and m.organisation == "Embassy of Italy" for m in memberships.values())
    refusal = await bot.say(GROUP, ADMIN, "/role @salim chef")
    assert "national authority, champion donor, donor" in refusal.text  # the names, not the keys
    await bot.say(GROUP, ADMIN, "/role @salim observateur")
    assert any(m.role == "observer" for m in await bot.rows(Membership))


async def test_a_mixed_language_group_gets_buttons_in_its_languages(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language en,fr")
    bot.app.bot_data["runtime"].announcements.delay = 0.05
    announcement = await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring meeting @ LMAC")
    labels = [b["text"] for b in announcement.buttons()]
    # joined when at most 24 characters, else an icon and the first language's label
    assert labels == ["Attending · Présent", "💻 Attending online", "Not attending · Absent"]
    assert "Présents\u00a0: 0" in announcement.text and "Attending: 0" in announcement.text
    await bot.say(GROUP, ADMIN, "/language ar,fr,en")
    roles = await bot.say(GROUP, SALIM, "/join")
    labels = [b["text"] for b in roles.buttons()]
    assert all(" · " in label or not label[0].isalpha() for label in labels), labels


async def test_an_arabic_announcement_reads_right_to_left_with_its_latin_parts_intact(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/language ar")
    bot.app.bot_data["runtime"].announcements.delay = 0.05
    post = await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Technical Working Group @ LMAC, Beirut")
    for line in post.text.splitlines():
        if line.strip():
            assert get_base_level(line) == 1, line  # every line is laid out right to left
    assert "لبنان" in (await bot.say(GROUP, ADMIN, "/settings")).text
    assert "Technical Working Group" in get_display(post.text)  # the Latin title is not reversed
    assert [b["text"] for b in post.buttons()] == ["سأحضر", "سأشارك عبر الإنترنت", "لن أحضر"]
    assert "سيحضرون" in post.text
