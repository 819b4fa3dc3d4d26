"""Issue 2 end to end: setup, members and roles, languages, settings, private chats, faults."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.models import Coalition, Membership, Person
from bot.store.database import Database
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM

ARABIC = re.compile(r"[\u0600-\u06FF]")


async def _coalition(bot) -> Coalition | None:
    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        found = (await s.exec(select(Coalition))).first()
    await db.dispose()
    return found


async def test_admin_sets_up_a_coalition_and_is_answered_in_arabic(bot):
    reply = await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut ar")
    assert ARABIC.match(reply.text.lstrip("\u2068")), reply.text
    assert "لبنان" in reply.text and "Asia/Beirut" in reply.text  # the country as Arabic names it
    coalition = await _coalition(bot)
    assert (
        coalition.country,
        coalition.timezone,
        coalition.languages,
        coalition.cadence_months,
        coalition.reminder_offsets,
    ) == ("Lebanon", "Asia/Beirut", "ar", 6, "14d,7d,1d")


async def test_setup_by_a_non_admin_is_refused_and_stores_nothing(bot):
    reply = await bot.say(GROUP, NADIA, "/setup Lebanon")
    assert "administrator" in reply.text or "administrateur" in reply.text
    assert await _coalition(bot) is None


async def test_setup_again_updates_only_the_fields_given(bot):
    await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut ar")
    await bot.say(GROUP, ADMIN, "/setup Lebanon UTC en")
    coalition = await _coalition(bot)
    assert (coalition.timezone, coalition.languages) == ("UTC", "en")


async def test_bad_setup_values_are_named_and_nothing_is_stored(bot):
    reply = await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beyrouth")
    assert "Asia/Beyrouth" in reply.text
    reply = await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut xx")
    assert "xx" in reply.text
    assert await _coalition(bot) is None


async def test_open_roles_join_at_once_and_privileged_roles_wait_for_approval(coalition):
    bot = coalition
    reply = await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    assert "approve" in reply.text
    approve_button = reply.buttons()[0]
    answer = await bot.press(reply, NADIA, approve_button["callback_data"])  # an operator may not approve
    assert "gestionnaires" in answer["text"]  # Nadia reads French (fr-CA)
    assert {m.pending_role for m in await bot.rows(Membership)} == {None, "national_authority"}
    seen = bot.snapshot()
    answer = await bot.press(reply, ADMIN, approve_button["callback_data"])
    confirmation = await bot.next(GROUP, seen)
    assert "Salim" in confirmation.text and "national authority" in confirmation.text
    roles = {m.role for m in await bot.rows(Membership)}
    assert roles == {"operator", "donor", "national_authority"}


async def test_approve_by_command_and_refusals(coalition):
    bot = coalition
    await bot.say(GROUP, SALIM, "/join facilitator GICHD")
    reply = await bot.say(GROUP, JOHN, "/approve @salim")
    assert "managers" in reply.text
    reply = await bot.say(GROUP, ADMIN, "/approve @nobody")
    assert "@nobody" in reply.text
    reply = await bot.say(GROUP, ADMIN, "/approve @salim")
    assert "facilitator" in reply.text
    # a facilitator is a manager: Salim may now set roles
    reply = await bot.say(GROUP, SALIM, "/role @john champion_donor Norway")
    assert "champion donor" in reply.text
    reply = await bot.say(GROUP, SALIM, "/role @john emperor")
    assert "emperor" in reply.text
    roles = {(m.role, m.organisation) for m in await bot.rows(Membership)}
    assert ("champion_donor", "Norway") in roles


async def test_join_without_arguments_offers_role_buttons(coalition):
    bot = coalition
    reply = await bot.say(GROUP, SALIM, "/join")
    datas = [b["callback_data"] for b in reply.buttons()]
    assert len(datas) == 7 and all(len(d.encode()) <= 64 for d in datas)
    seen = bot.snapshot()
    await bot.press(reply, SALIM, next(d for d in datas if d.endswith("observer")))
    joined = await bot.next(GROUP, seen)
    assert "Salim" in joined.text and "observer" in joined.text


async def test_unknown_role_is_named_and_nothing_is_stored(coalition):
    bot = coalition
    reply = await bot.say(GROUP, SALIM, "/join minister")
    assert "minister" in reply.text
    assert len(await bot.rows(Membership)) == 2


async def test_join_offers_a_deep_link_and_start_records_private_reach(coalition):
    bot = coalition
    seen = bot.snapshot()
    await bot.emu.send(GROUP, SALIM, "/join observer")
    hint = await bot.next(GROUP, seen, contains="t.me/")
    link = re.search(r"https://t\.me/(\w+)\?start=(\w+)", hint.text)
    assert link and link[1] == "coalition_test_bot"
    welcome = await bot.say(SALIM, SALIM, f"/start {link[2]}")
    assert "Lebanon" in welcome.text
    salim = next(p for p in await bot.rows(Person) if p.tg_user_id == SALIM)
    assert salim.can_message and not salim.unreachable


async def test_members_lists_by_role_and_organisation_with_reach(coalition):
    bot = coalition
    await bot.say(NADIA, NADIA, "/start")
    reply = await bot.say(GROUP, ADMIN, "/members")
    text = reply.text
    assert text.index("Operators") < text.index("NPA: Nadia")
    assert "Embassy of Norway: John" in text
    assert "Nadia @nadia ✉" in text


async def test_settings_validate_and_change_nothing_on_error(coalition):
    bot = coalition
    for command, bad in [
        ("/settings timezone Mars/Base", "Mars/Base"),
        ("/settings language de", "de"),
        ("/settings reminders 7d,2x", "2x"),
        ("/settings cadence 12m", "12m"),
        ("/settings baseline lots", "lots"),
        ("/settings colour blue", "colour"),
    ]:
        reply = await bot.say(GROUP, ADMIN, command)
        assert bad in reply.text, (command, reply.text)
    before = await _coalition(bot)
    assert (before.timezone, before.reminder_offsets, before.cadence_months) == ("Asia/Beirut", "14d,7d,1d", 6)
    reply = await bot.say(GROUP, NADIA, "/settings cadence 3m")
    assert "managers" in reply.text
    await bot.say(GROUP, ADMIN, "/settings reminders 2d,3h,30m")
    reply = await bot.say(GROUP, ADMIN, "/settings baseline 1,200,000")
    assert "1,200,000 m²" in reply.text
    after = await _coalition(bot)
    assert (after.reminder_offsets, after.baseline_m2) == ("2d,3h,30m", 1200000)
    overview = await bot.say(GROUP, ADMIN, "/settings")
    assert "2\u00a0days, 3\u00a0hours, and 30\u00a0minutes before" in overview.text


async def test_several_group_languages_give_one_block_per_language(coalition):
    bot = coalition
    reply = await bot.say(GROUP, ADMIN, "/language ar,fr,en")
    blocks = reply.text.split("— — —")
    assert len(blocks) == 3
    assert ARABIC.search(blocks[0]) and "Fuseau horaire" in blocks[1] and "Timezone" in blocks[2]


async def test_private_language_and_timezone(coalition):
    bot = coalition
    reply = await bot.say(JOHN, JOHN, "/language fr")
    assert "français" in reply.text
    reply = await bot.say(JOHN, JOHN, "/timezone europe/oslo")
    assert "Europe/Oslo" in reply.text
    reply = await bot.say(JOHN, JOHN, "/timezone Oslo")
    assert "Oslo" in reply.text and "IANA" in reply.text
    john = next(p for p in await bot.rows(Person) if p.tg_user_id == JOHN)
    assert (john.language, john.timezone) == ("fr", "Europe/Oslo")


async def test_help_depends_on_chat_and_rights(coalition):
    bot = coalition
    member_help = await bot.say(GROUP, NADIA, "/help")
    admin_help = await bot.say(GROUP, ADMIN, "/help")
    private_help = await bot.say(JOHN, JOHN, "/help")
    assert "/settings" not in member_help.text and "/settings" in admin_help.text
    assert "/setup" in admin_help.text
    assert "/timezone" in private_help.text and "/members" not in private_help.text
    stranger = await bot.say(GROUP, SALIM, "/help")
    assert "/join" in stranger.text


async def test_supergroup_migration_keeps_the_coalition_and_members(coalition):
    bot = coalition
    await bot.emu.migrate_group(GROUP, -100777)
    reply = await bot.say(-100777, ADMIN, "/members")
    assert "Nadia" in reply.text and "John" in reply.text
    assert (await _coalition(bot)).chat_id == -100777


async def test_command_menus_are_registered_per_language_and_chat_type(bot):
    french_group = bot.emu.commands("all_group_chats", "fr")
    arabic_private = bot.emu.commands("all_private_chats", "ar")
    default_group = bot.emu.commands("all_group_chats", "")
    assert {c["command"] for c in french_group} >= {"join", "members", "setup", "meeting"}
    assert "start" not in {c["command"] for c in french_group}
    assert "start" in {c["command"] for c in arabic_private}
    assert all(ARABIC.search(c["description"]) for c in arabic_private)
    assert french_group[0]["description"] != default_group[0]["description"]


async def test_the_bot_greets_once_in_the_adders_language(bot):
    bot.emu.add_group(-2002, "New group", admins=[NADIA], creator=NADIA)
    seen = bot.snapshot()
    await bot.emu.add_bot_to_group(-2002, NADIA)
    greeting = await bot.next(-2002, seen)
    assert "/setup" in greeting.text and "Bonjour" in greeting.text
    assert len(bot.sent_to(-2002)) == 1


async def test_user_text_is_escaped(coalition):
    bot = coalition
    reply = await bot.say(GROUP, SALIM, "/join observer <b>Mines & Co</b>")
    assert "<b>Mines & Co</b>" in reply.text  # shown literally, accepted by Telegram's HTML parser


async def test_long_replies_are_split_under_4096_characters(coalition):
    bot = coalition
    for i in range(60):
        user = 5000 + i
        bot.emu.add_user(user, f"Member {i} " + "x" * 60, username=f"member{i}")
        await bot.emu.send(GROUP, user, f"/join observer Organisation {i} " + "y" * 40)
    await bot.say(GROUP, ADMIN, "/help")  # every join processed
    seen = bot.snapshot()
    await bot.emu.send(GROUP, ADMIN, "/members")
    first = await bot.next(GROUP, seen)
    await bot.say(GROUP, ADMIN, "/help")
    parts = [m for m in bot.sent_to(GROUP) if (m.chat_id, m.message_id) not in seen and "Member" in m.text]
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    assert first.text.startswith("Country Coalition of Lebanon")


async def test_a_crashing_handler_is_logged_apologised_for_and_the_bot_goes_on(coalition, monkeypatch, caplog):
    bot = coalition
    from bot.services import members

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(members, "members", broken)
    reply = await bot.say(GROUP, ADMIN, "/members")
    assert "Sorry" in reply.text or ARABIC.search(reply.text)
    assert any("error while handling update" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    reply = await bot.say(GROUP, ADMIN, "/members")
    assert "Nadia" in reply.text
