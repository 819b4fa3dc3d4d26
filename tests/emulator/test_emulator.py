"""The Bot API emulator, driven by the real python-telegram-bot client and by raw HTTP."""

import asyncio
import io
import struct
import time
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    LoginUrl,
    ReactionTypeEmoji,
    Update,
    WebAppInfo,
)
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ExtBot

from bot.emulator import Emulator

pytestmark = [
    pytest.mark.asyncio(loop_scope="function"),
    # PTB 22 warns about its own RetryAfter.retry_after type change whenever one is raised.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

ANN, BOB = 100, 200
GROUP = -300


@pytest_asyncio.fixture(loop_scope="function")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture(loop_scope="function")
async def bot(emu: Emulator) -> AsyncIterator[ExtBot]:
    async with ExtBot(emu.token, base_url=emu.base_url) as client:
        yield client


async def raw(emu: Emulator, method: str, token: str | None = None, **kwargs) -> tuple[int, dict]:
    """POST straight to the emulator; kwargs go to aiohttp (json=..., data=...)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}{token or emu.token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


async def started(emu: Emulator, user_id: int = ANN, name: str = "Ann") -> None:
    """A user who has opened the bot (and so may be messaged), with the /start update consumed."""
    emu.add_user(user_id, name)
    await emu.send(user_id, user_id, "/start")
    emu.updates.drop_pending()


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d[:10] or "-", callback_data=d)] for d in data])


async def test_get_me_takes_the_bot_id_from_the_token(emu: Emulator) -> None:
    async with ExtBot("987654:Other_token-1", base_url=emu.base_url) as other:
        me = await other.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (987654, "coalition_test_bot", True, True)
    assert emu.bot["id"] == 987654


async def test_bad_token_and_unknown_method_answer_404(emu: Emulator, bot: ExtBot) -> None:
    assert await raw(emu, "getMe", token="not-a-token") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (await raw(emu, "sendMessages"))[0] == 404
    assert (await raw(emu, "GETME"))[0] == 200  # Bot API method names are case-insensitive
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendMessages")


async def test_unknown_missing_and_mistyped_parameters_are_400(emu: Emulator) -> None:
    await started(emu)
    cases = [
        ({"chat_id": ANN, "txt": "hi"}, "Bad Request: unknown parameter txt"),
        ({"text": "hi"}, "Bad Request: chat_id is empty"),
        ({"chat_id": ANN}, "Bad Request: message text is empty"),
        (
            {"chat_id": ANN, "text": "hi", "reply_markup": "{oops"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
    ]
    for params, description in cases:
        status, body = await raw(emu, "sendMessage", json=params)
        assert (status, body["description"]) == (400, description)
    status, body = await raw(emu, "deleteMessage", json={"chat_id": ANN})
    assert body["description"] == 'Bad Request: parameter "message_id" is required'
    status, body = await raw(emu, "deleteMessage", json={"chat_id": ANN, "message_id": "first"})
    assert status == 400 and "message_id" in body["description"]
    assert len(emu.rejected) == 6 and not emu.sent


async def test_form_and_json_bodies_are_both_accepted(emu: Emulator) -> None:
    await started(emu)
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    status, body = await raw(emu, "sendMessage", data={"chat_id": str(ANN), "text": "form", "reply_markup": markup})
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    status, body = await raw(emu, "sendMessage", json={"chat_id": ANN, "text": "json", "disable_notification": True})
    assert status == 200 and body["result"]["message_id"] == 3  # /start was 1, "form" 2


async def test_long_polling_answers_at_once_when_pending_and_waits_otherwise(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    await emu.send(ANN, ANN, "hello")
    started_at = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert time.monotonic() - started_at < 1 and updates[0].message.text == "hello"

    started_at = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert time.monotonic() - started_at >= 0.9

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    await emu.send(ANN, ANN, "later")
    started_at = time.monotonic()
    assert [u.message.text for u in await poll] == ["later"]
    assert time.monotonic() - started_at < 1


async def test_offset_confirms_and_limit_caps_updates(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    for text in ("one", "two", "three"):
        await emu.send(ANN, ANN, text)
    first = await bot.get_updates(limit=1)
    assert [u.message.text for u in first] == ["one"]
    second = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in second] == ["two", "three"]
    assert [u.message.text for u in await bot.get_updates()] == ["two", "three"]  # unconfirmed stay
    assert emu.updates.last_update_id == second[1].update_id > second[0].update_id > first[0].update_id


async def test_allowed_updates_filters_updates_created_afterwards(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    sent = await bot.send_message(ANN, "Pick", reply_markup=keyboard("x"))
    await bot.get_updates(allowed_updates=["message"])
    await emu.press(ANN, sent.message_id, ANN, "x")
    await emu.send(ANN, ANN, "text")
    assert [u.message.text for u in await bot.get_updates()] == ["text"]


async def test_user_messages_get_entities_replies_and_per_chat_ids(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    emu.add_user(BOB, "Bob")
    reply = await bot.send_message(ANN, "Question?")
    text = "/vote@coalition_test_bot 🇦🇹 #ccm @someone /help"
    message = await emu.send(ANN, ANN, text, reply_to=reply.message_id)
    assert [(e["type"], e["offset"], e["length"]) for e in message["entities"]] == [
        ("bot_command", 0, 24),
        ("hashtag", 30, 4),
        ("mention", 35, 8),
        ("bot_command", 44, 5),
    ]  # fmt: skip  (the flag is 4 UTF-16 units)
    assert message["message_id"] == 3 and message["reply_to_message"]["text"] == "Question?"
    assert (await emu.send(BOB, BOB, "hi"))["message_id"] == 1


async def test_text_limit_counts_characters_after_html_parsing(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    await bot.send_message(ANN, "<b>" + "ا" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ANN, "a" * 4097)
    for empty in ("<b></b>", " \n "):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(ANN, empty, parse_mode="HTML")
    errors = [r.error for r in emu.rejected]
    assert errors == ["Bad Request: message is too long"] + ["Bad Request: message text is empty"] * 2


async def test_callback_data_is_limited_to_64_utf8_bytes(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    await bot.send_message(ANN, "ok", reply_markup=keyboard("ب" * 32, "a" * 64))  # 64 bytes each
    assert [b["callback_data"] for b in emu.sent[-1].buttons()] == ["ب" * 32, "a" * 64]
    for too_long in ("ب" * 33, "a" * 65):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(ANN, "no", reply_markup=keyboard(too_long))
    assert emu.rejected[-1].error == "Bad Request: BUTTON_DATA_INVALID" and len(emu.sent) == 1


async def test_web_app_buttons_need_an_https_address(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    button = InlineKeyboardButton("app", web_app=WebAppInfo("https://coalition.example.org/app"))
    await bot.send_message(ANN, "ok", reply_markup=InlineKeyboardMarkup([[button]]))
    local = InlineKeyboardButton("app", web_app=WebAppInfo("http://127.0.0.1:8081/app"))
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await bot.send_message(ANN, "no", reply_markup=InlineKeyboardMarkup([[local]]))
    assert len(emu.sent) == 1


async def test_web_app_buttons_work_only_in_private_chats(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    emu.add_group(GROUP, "Group", admins=[ANN], creator=ANN)
    app = InlineKeyboardMarkup([[InlineKeyboardButton("app", web_app=WebAppInfo("https://coalition.example.org/app"))]])
    with pytest.raises(BadRequest, match="Button_type_invalid"):
        await bot.send_message(GROUP, "no", reply_markup=app)
    assert emu.rejected[-1].error == "Bad Request: BUTTON_TYPE_INVALID"
    sent = await bot.send_message(GROUP, "plain")
    with pytest.raises(BadRequest, match="Button_type_invalid"):  # nor added by an edit
        await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=app)
    await bot.send_message(ANN, "ok", reply_markup=app)
    assert [m.chat_id for m in emu.sent] == [GROUP, ANN]


async def test_login_buttons_need_the_domain_linked_to_the_bot(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)

    def login(url: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("log in", login_url=LoginUrl(url))]])

    with pytest.raises(BadRequest, match="Bot_domain_invalid"):  # no domain set with /setdomain
        await bot.send_message(ANN, "no", reply_markup=login("https://coalition.example.org/login/0"))
    emu.login_domain = "coalition.example.org"
    await bot.send_message(ANN, "ok", reply_markup=login("https://coalition.example.org/login/0"))
    await bot.send_message(ANN, "ok", reply_markup=login("https://board.coalition.example.org/login/0"))
    for other in ("https://evil.example.org/login/0", "https://coalition.example.org.evil.net/x"):
        with pytest.raises(BadRequest, match="Bot_domain_invalid"):
            await bot.send_message(ANN, "no", reply_markup=login(other))
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await bot.send_message(ANN, "no", reply_markup=login("http://coalition.example.org/login/0"))
    assert len(emu.sent) == 2


async def test_html_is_parsed_into_text_and_utf16_entities(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    html = '😀 <b>bold <i>both</i></b> &lt;&#65;&#x42;&gt; A & B <a href="https://x.org/?a=1&amp;b=2">link</a>'
    await bot.send_message(ANN, html, parse_mode="HTML")
    sent = emu.sent[-1]
    assert sent.text == "😀 bold both <AB> A & B link"
    assert sent.entities == [
        {"offset": 3, "length": 9, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
        {"offset": 24, "length": 4, "type": "text_link", "url": "https://x.org/?a=1&b=2"},
    ]
    await bot.send_message(ANN, '<pre><code class="language-python">x = 1</code></pre>', parse_mode="HTML")
    assert emu.sent[-1].entities == [{"offset": 0, "length": 5, "type": "pre", "language": "python"}]


async def test_invalid_html_is_refused_with_telegram_wording(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    cases = {
        "مرحبا <foo>x</foo>": 'Unsupported start tag "foo" at byte offset 11',
        "<b>never closed": 'Can\'t find end tag corresponding to start tag "b"',
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
        "<b>x</i>": 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        "x</b>": "Unexpected end tag at byte offset 1",
        '<span class="x">s</span>': 'Tag "span" must have class "tg-spoiler" at byte offset 0',
    }
    for html, reason in cases.items():
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(ANN, html, parse_mode="HTML")
        assert emu.rejected[-1].error == f"Bad Request: can't parse entities: {reason}"
    assert not emu.sent


async def test_private_chats_need_a_start_and_no_block(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(ANN, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hi")
    await emu.send(ANN, ANN, "/start")
    await bot.send_message(ANN, "welcome")
    emu.block(ANN)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANN, "still there?")
    await emu.send(ANN, ANN, "/start")  # writing again unblocks
    await bot.send_message(ANN, "welcome back")
    updates = await bot.get_updates()
    kinds = [u.my_chat_member.new_chat_member.status if u.my_chat_member else "message" for u in updates]
    assert kinds == ["message", "kicked", "member", "message"]


async def test_flood_control_answers_429_that_ptb_turns_into_retry_after(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    emu.add_group(GROUP, "Coalition", creator=ANN)
    await emu.add_bot_to_group(GROUP, ANN)
    emu.flood_control = True
    emu.flood_limits.group_per_window, emu.flood_limits.group_window = 2, 0.5
    for _ in range(emu.flood_limits.private_burst):
        await bot.send_message(ANN, "burst")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await bot.send_message(ANN, "one too many")
    await bot.send_message(GROUP, "1")
    await bot.send_message(GROUP, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(GROUP, "3")
    await bot.get_chat_administrators(GROUP)  # not a message: never limited
    await asyncio.sleep(0.5)
    await bot.send_message(GROUP, "3")  # the window moved on
    assert [r.error for r in emu.flood_responses] == ["Too Many Requests: retry after 1"] * 2
    assert not emu.rejected


async def test_global_flood_limit_spans_chats(emu: Emulator, bot: ExtBot) -> None:
    for user_id in range(1, 5):
        await started(emu, user_id, f"U{user_id}")
    emu.flood_control = True
    emu.flood_limits.global_per_second = 3
    for user_id in range(1, 4):
        await bot.send_message(user_id, "hi")
    with pytest.raises(RetryAfter):
        await bot.send_message(4, "hi")
    assert len(emu.flood_responses) == 1


async def test_edits_need_a_change_and_an_existing_message(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    sent = await bot.send_message(ANN, "Vote", reply_markup=keyboard("yes"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Vote", ANN, sent.message_id, reply_markup=keyboard("yes"))
    assert emu.rejected[-1].error.startswith("Bad Request: message is not modified: specified new message content")
    await bot.edit_message_text("Vote", ANN, sent.message_id)  # dropping the keyboard is a change
    assert emu.messages(ANN)[-1].get("reply_markup") is None and emu.sent[-1].edits == 1
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", ANN, 99)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", ANN, 1)  # the user's /start


async def test_migrated_group_raises_chat_migrated(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    emu.add_user(BOB, "Bob")
    emu.add_group(GROUP, "Coalition", creator=ANN, admins=[BOB])
    await emu.add_bot_to_group(GROUP, ANN)
    await emu.migrate_group(GROUP, -1001234)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(GROUP, "hello")
    assert migrated.value.new_chat_id == -1001234
    assert emu.rejected[-1].error == "Bad Request: group chat was upgraded to a supergroup chat"
    admins = await bot.get_chat_administrators(-1001234)
    assert sorted(a.user.id for a in admins) == sorted([ANN, BOB])
    assert (await bot.get_chat(-1001234)).title == "Coalition"
    service = [u.message for u in await bot.get_updates() if u.message]
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service[-2:]] == [
        (GROUP, -1001234, None),
        (-1001234, None, GROUP),
    ]


async def test_groups_follow_membership_and_privacy_mode(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    emu.add_group(GROUP, "Coalition", creator=ANN, bot_status="left")
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(GROUP, "hi")
    await emu.add_bot_to_group(GROUP, ANN)
    await emu.send(GROUP, ANN, "chatter the bot must not see")
    await emu.send(GROUP, ANN, "/status@coalition_test_bot")
    updates = await bot.get_updates()
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert [u.message.new_chat_members[0].id for u in updates[1:2]] == [emu.bot["id"]]
    assert [u.message.text for u in updates[2:]] == ["/status@coalition_test_bot"]
    assert (await bot.get_chat_member(GROUP, ANN)).status == "creator"
    assert await bot.get_chat_member_count(GROUP) == 2


async def test_members_come_and_go_as_telegram_reports_it(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    emu.add_user(BOB, "Bob")
    emu.add_group(GROUP, "Coalition", creator=ANN, bot_status="member")
    await emu.send(GROUP, BOB, "/join")
    await emu.leave_group(GROUP, BOB)  # the bot is no administrator: the service message only
    with pytest.raises(ValueError, match="not in chat"):
        await emu.send(GROUP, BOB, "/join")
    await emu.join_group(GROUP, BOB)
    await bot.get_updates(allowed_updates=list(Update.ALL_TYPES))  # chat_member is asked for explicitly
    emu.chats[GROUP].bot_status = "administrator"
    await emu.set_admin(GROUP, BOB, True, by_user_id=ANN)
    await emu.set_admin(GROUP, BOB, False, by_user_id=ANN)
    await emu.remove_from_group(GROUP, BOB, by_user_id=ANN)
    await emu.remove_bot_from_group(GROUP, ANN)
    updates = await bot.get_updates(offset=0)
    kinds = [
        ("member", u.chat_member.old_chat_member.status, u.chat_member.new_chat_member.status)
        if u.chat_member
        else ("bot", u.my_chat_member.new_chat_member.status)
        if u.my_chat_member
        else ("left", u.message.left_chat_member.id)
        if u.message.left_chat_member
        else ("joined", u.message.new_chat_members[0].id)
        if u.message.new_chat_members
        else ("text", u.message.text)
        for u in updates
    ]
    assert kinds == [
        ("text", "/join"),
        ("left", BOB),
        ("joined", BOB),
        ("member", "member", "administrator"),
        ("member", "administrator", "member"),
        ("member", "member", "kicked"),
        ("left", BOB),
        ("bot", "left"),
    ]
    assert (await bot.get_chat_member(GROUP, BOB)).status == "kicked"
    with pytest.raises(Forbidden):
        await bot.send_message(GROUP, "still here?")


async def test_poll_limits_votes_and_stopping(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    emu.add_user(BOB, "Bob")
    refusals = {
        "poll question length must not exceed 300": ("q" * 301, ["a", "b"]),
        "poll can't have more than 12 options": ("q", [str(i) for i in range(13)]),
        "poll options length must not exceed 100": ("q", ["a", "b" * 101]),
    }
    for reason, (question, options) in refusals.items():
        with pytest.raises(BadRequest):
            await bot.send_poll(ANN, question, options)
        assert emu.rejected[-1].error == f"Bad Request: {reason}"
    _status, body = await raw(emu, "sendPoll", json={"chat_id": ANN, "question": "q", "options": []})
    assert body["description"] == "Bad Request: poll must have at least 1 option"

    message = await bot.send_poll(ANN, "Lunch?", [InputPollOption("Yes"), "No"], is_anonymous=False)
    await emu.poll_answer(message.poll.id, ANN, [0])
    await emu.poll_answer(message.poll.id, BOB, [0])
    await emu.poll_answer(message.poll.id, BOB, [1])  # changes the vote
    updates = await bot.get_updates()
    assert [u.poll_answer.option_ids for u in updates if u.poll_answer] == [(0,), (0,), (1,)]
    assert [o.voter_count for o in updates[-1].poll.options] == [1, 1]
    stopped = await bot.stop_poll(ANN, message.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 2
    with pytest.raises(ValueError):
        await emu.poll_answer(message.poll.id, BOB, [0])
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await bot.stop_poll(ANN, message.message_id)


async def test_documents_and_photos_upload_as_multipart(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    sent = await bot.send_document(
        ANN, io.BytesIO(b"report,2026\n"), filename="report.csv", caption="<b>Report</b>", parse_mode="HTML"
    )
    record = emu.sent[-1]
    assert (record.kind, record.file_name, record.file_data, record.caption) == (
        "document", "report.csv", b"report,2026\n", "Report",
    )  # fmt: skip
    assert record.entities == [{"offset": 0, "length": 6, "type": "bold"}] and sent.document.file_size == 12
    await bot.send_document(ANN, sent.document.file_id)  # re-send by file_id
    assert emu.sent[-1].file_data == b"report,2026\n"
    photo = await bot.send_photo(ANN, png(3, 2), caption="chart")
    assert (photo.photo[0].width, photo.photo[0].height, emu.sent[-1].kind) == (3, 2, "photo")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(ANN, b"not an image")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(ANN, b"x", filename="x.txt", caption="c" * 1025)


async def test_fault_injection_fails_drops_and_is_not_counted_as_rejected(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    emu.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ANN, "lost")
    emu.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(ANN, "dropped before arrival")
    emu.drop_next("sendMessage", after_apply=True)
    with pytest.raises(NetworkError):
        await bot.send_message(ANN, "delivered, answer lost")
    await bot.send_message(ANN, "fine")
    assert [m.text for m in emu.sent] == ["delivered, answer lost", "fine"]
    assert [r.status for r in emu.requests[-5:]] == [502, 502, 0, 0, 200] and not emu.rejected


async def test_unimplemented_methods_answer_501_and_are_recorded(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    with pytest.raises(NetworkError, match="emulator: method pinChatMessage is not implemented"):
        await bot.pin_chat_message(ANN, 1)
    assert emu.unimplemented == ["pinChatMessage"]


async def test_commands_are_stored_per_scope_and_language(emu: Emulator, bot: ExtBot) -> None:
    emu.add_user(ANN, "Ann")
    emu.add_group(GROUP, "Coalition", creator=ANN)
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("status", "الحالة")], scope=BotCommandScopeChat(GROUP), language_code="ar")
    assert emu.commands() == [{"command": "start", "description": "Start"}]
    assert emu.commands({"type": "chat", "chat_id": GROUP}, "ar")[0]["command"] == "status"
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP)) == ()  # no fallback across languages
    invalid = [
        (BotCommand("Start", "x"), "BOT_COMMAND_INVALID"),
        (BotCommand("ok", ""), "BOT_COMMAND_DESCRIPTION_INVALID"),
    ]
    for command, reason in invalid:
        with pytest.raises(BadRequest):
            await bot.set_my_commands([command])
        assert emu.rejected[-1].error == f"Bad Request: {reason}"
    await bot.delete_my_commands()
    assert emu.commands() == []


async def test_reactions_and_chat_actions_are_checked(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    await bot.set_message_reaction(ANN, 1, ReactionTypeEmoji("👍"))
    thumbs_up = [{"type": "emoji", "emoji": "👍"}]
    assert emu.reactions == [{"chat_id": ANN, "message_id": 1, "reaction": thumbs_up, "is_big": False}]
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(ANN, 1, "🐍")
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(ANN, "dancing")


async def test_real_application_round_trip(emu: Emulator) -> None:
    """The PTB Application polls, replies with a keyboard, handles the button and edits."""

    async def start(update: Update, context: object) -> None:
        await update.message.reply_html("<b>Join?</b>", reply_markup=keyboard("join"))

    async def join(update: Update, context: object) -> None:
        await update.callback_query.answer("Joined", show_alert=True)
        await update.callback_query.edit_message_text("Joined ✅")

    app: Application = ApplicationBuilder().token("4242:app").base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(join, pattern="^join$"))
    emu.add_user(ANN, "Ann")
    emu.add_group(GROUP, "Coalition", creator=ANN)
    await emu.add_bot_to_group(GROUP, ANN)  # before the app's own token is first seen
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
        await emu.send(ANN, ANN, "/start")
        question = await emu.wait_sent(ANN, contains="Join?")
        assert question.entities == [{"offset": 0, "length": 5, "type": "bold"}]
        query_id = await emu.press(ANN, question.message_id, ANN, "join")
        assert await emu.wait_callback_answer(query_id) == {"text": "Joined", "show_alert": True}
        edited = await emu.wait_for(lambda m: m.text == "Joined ✅")
        assert edited is question and edited.reply_markup is None
        await app.bot.send_message(GROUP, "still a member")
        await app.updater.stop()
        await app.stop()
    assert emu.bot["id"] == 4242 and not emu.rejected and not emu.unimplemented


async def test_wait_for_wakes_on_edits_even_after_reset_sent(emu: Emulator, bot: ExtBot) -> None:
    await started(emu)
    sent = await bot.send_message(ANN, "Counting: 0")
    emu.reset_sent()
    assert emu.sent == []
    waiter = asyncio.create_task(emu.wait_for(lambda m: m.text == "Counting: 2", timeout=2))
    for count in (1, 2):
        await asyncio.sleep(0.05)
        await bot.edit_message_text(f"Counting: {count}", ANN, sent.message_id)
    edited = await waiter
    assert (edited.message_id, edited.edits, len(emu.sent)) == (sent.message_id, 2, 1)
    assert [m["text"] for m in emu.messages(ANN)] == ["/start", "Counting: 2"]


async def test_wait_for_times_out_with_a_summary(emu: Emulator) -> None:
    with pytest.raises(TimeoutError, match=r"no sent message matched within 0\.1s; sent=\[\]"):
        await emu.wait_for(lambda m: True, timeout=0.1)
