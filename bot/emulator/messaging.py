"""Bot API methods that create, change or react to messages, with Telegram's limits."""

import time
from typing import Any

from . import files
from .chats import writable
from .entities import formatted
from .errors import ApiError, bad_request
from .markup import check_reply_markup, inline_keyboard
from .records import SentMessage
from .state import ADMIN_STATUSES, Chat, PollState, World
from .validation import UploadedFile

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
# Bot API 10.1 documents "1-12 answer options" (earlier versions required at least 2).
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 1, 12
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})  # fmt: skip
# The emoji ReactionTypeEmoji allows (Bot API 10.1).
REACTION_EMOJI = frozenset(
    [
        "❤",
        "👍",
        "👎",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🤯",
        "😱",
        "🤬",
        "😢",
        "🎉",
        "🤩",
        "🤮",
        "💩",
        "🙏",
        "👌",
        "🕊",
        "🤡",
        "🥱",
        "🥴",
        "😍",
        "🐳",
        "❤\u200d🔥",
        "🌚",
        "🌭",
        "💯",
        "🤣",
        "⚡",
        "🍌",
        "🏆",
        "💔",
        "🤨",
        "😐",
        "🍓",
        "🍾",
        "💋",
        "🖕",
        "😈",
        "😴",
        "😭",
        "🤓",
        "👻",
        "👨\u200d💻",
        "👀",
        "🎃",
        "🙈",
        "😇",
        "😨",
        "🤝",
        "✍",
        "🤗",
        "🫡",
        "🎅",
        "🎄",
        "☃",
        "💅",
        "🤪",
        "🗿",
        "🆒",
        "💘",
        "🙉",
        "🦄",
        "😘",
        "💊",
        "🙊",
        "😎",
        "👾",
        "🤷\u200d♂",
        "🤷",
        "🤷\u200d♀",
        "😡",
    ]
)


def send_message(world: World, p: dict) -> dict[str, Any]:
    chat = writable(world, p["chat_id"])
    text, entities = _text(p.get("text", ""), p.get("parse_mode"), p.get("entities"))
    markup = check_reply_markup(p.get("reply_markup"), chat.type, world.login_domain)
    return _deliver(world, chat, p, "sendMessage", "text", markup, text=text, entities=entities)


def send_document(world: World, p: dict) -> dict[str, Any]:
    chat = writable(world, p["chat_id"])
    upload = files.resolve_upload(world, p["document"])
    caption, caption_entities = _caption(p)
    markup = check_reply_markup(p.get("reply_markup"), chat.type, world.login_domain)
    document = {**files.store(world, upload), "file_name": upload.filename, "mime_type": upload.content_type}
    return _deliver(
        world, chat, p, "sendDocument", "document", markup, upload=upload,
        document=document, caption=caption, caption_entities=caption_entities,
    )  # fmt: skip


def send_photo(world: World, p: dict) -> dict[str, Any]:
    chat = writable(world, p["chat_id"])
    upload = files.resolve_upload(world, p["photo"])
    width, height = files.image_size(upload.data)
    caption, caption_entities = _caption(p)
    markup = check_reply_markup(p.get("reply_markup"), chat.type, world.login_domain)
    photo = [{**files.store(world, upload), "width": width, "height": height}]
    return _deliver(
        world, chat, p, "sendPhoto", "photo", markup, upload=upload,
        photo=photo, caption=caption, caption_entities=caption_entities,
    )  # fmt: skip


def send_poll(world: World, p: dict) -> dict[str, Any]:
    chat = writable(world, p["chat_id"])
    question, _ = formatted(p["question"], p.get("question_parse_mode"), p.get("question_entities"))
    if not question:
        raise bad_request("poll question must be non-empty")
    if len(question) > MAX_POLL_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_POLL_QUESTION}")
    texts = [
        formatted(str(o.get("text", "")), o.get("text_parse_mode"), o.get("text_entities"))[0] for o in p["options"]
    ]
    if len(texts) < MIN_POLL_OPTIONS:
        raise bad_request(f"poll must have at least {MIN_POLL_OPTIONS} option")
    if len(texts) > MAX_POLL_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_POLL_OPTIONS} options")
    if not all(texts):
        raise bad_request("poll options must be non-empty")
    if any(len(text) > MAX_POLL_OPTION for text in texts):
        raise bad_request(f"poll options length must not exceed {MAX_POLL_OPTION}")
    kind = p.get("type", "regular")
    if kind not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    poll: dict[str, Any] = {
        "id": str(5_000_000_000 + next(world.ids)),
        "question": question,
        "options": [{"persistent_id": str(i), "text": t, "voter_count": 0} for i, t in enumerate(texts)],
        "total_voter_count": 0,
        "is_closed": p.get("is_closed", False),
        "is_anonymous": p.get("is_anonymous", True),
        "type": kind,
        "allows_multiple_answers": p.get("allows_multiple_answers", False),
        "allows_revoting": p.get("allows_revoting", kind != "quiz"),
        "members_only": p.get("members_only", False),
    }
    if kind == "quiz":
        correct = p.get("correct_option_ids") or []
        if not correct or any(not 0 <= i < len(texts) for i in correct):
            raise bad_request("correct_option_ids must be specified for quiz polls")
        poll["correct_option_ids"] = correct
    markup = check_reply_markup(p.get("reply_markup"), chat.type, world.login_domain)
    message = _deliver(world, chat, p, "sendPoll", "poll", markup, poll=poll)
    world.polls[poll["id"]] = PollState(chat.id, message["message_id"], poll)
    return message


def edit_message_text(world: World, p: dict) -> dict[str, Any]:
    message, record = _editable(world, p, "message to edit not found")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(p.get("text", ""), p.get("parse_mode"), p.get("entities"))
    markup = check_reply_markup(p.get("reply_markup"), message["chat"]["type"], world.login_domain, inline_only=True)
    if (text, entities, markup) == (message["text"], message.get("entities", []), message.get("reply_markup")):
        raise bad_request(NOT_MODIFIED)
    message["text"] = record.text = text
    record.entities = entities
    _set_or_drop(message, "entities", entities)
    return _edited(world, message, record, markup)


def edit_message_reply_markup(world: World, p: dict) -> dict[str, Any]:
    message, record = _editable(world, p, "message to edit not found")
    markup = check_reply_markup(p.get("reply_markup"), message["chat"]["type"], world.login_domain, inline_only=True)
    if markup == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    return _edited(world, message, record, markup)


def stop_poll(world: World, p: dict) -> dict[str, Any]:
    message, record = _editable(world, p, "message with poll to stop not found")
    if "poll" not in message:
        raise bad_request("message with poll to stop not found")
    if message["poll"]["is_closed"]:
        raise bad_request("poll has already been closed")
    message["poll"]["is_closed"] = True
    markup = check_reply_markup(p.get("reply_markup"), message["chat"]["type"], world.login_domain, inline_only=True)
    _edited(world, message, record, markup)
    return message["poll"]


def delete_message(world: World, p: dict) -> bool:
    chat = writable(world, p["chat_id"])
    message = chat.messages.get(p["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    from_bot = message["from"]["id"] == world.bot["id"]
    if not (from_bot or chat.is_private or chat.bot_status in ADMIN_STATUSES):
        raise bad_request("message can't be deleted")
    del chat.messages[message["message_id"]]
    if record := world.sent_index.get((chat.id, message["message_id"])):
        record.deleted = True
        world.touch(record)
    return True


def set_message_reaction(world: World, p: dict) -> bool:
    chat = writable(world, p["chat_id"])
    if p["message_id"] not in chat.messages:
        raise bad_request("message to react not found")
    reaction = p.get("reaction", [])
    if len(reaction) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    if any(r.get("type") != "emoji" or r.get("emoji") not in REACTION_EMOJI for r in reaction):
        raise bad_request("REACTION_INVALID")
    world.reactions.append(
        {"chat_id": chat.id, "message_id": p["message_id"], "reaction": reaction, "is_big": p.get("is_big", False)}
    )
    return True


def answer_callback_query(world: World, p: dict) -> bool:
    query_id = p["callback_query_id"]
    if query_id not in world.open_callbacks:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(p.get("text", "")) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    world.open_callbacks.discard(query_id)
    world.callback_answers[query_id] = {k: p[k] for k in ("text", "show_alert", "url", "cache_time") if k in p}
    world.notify()
    return True


def send_chat_action(world: World, p: dict) -> bool:
    writable(world, p["chat_id"])
    if p["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def _text(source: str, parse_mode: str | None, entities: list[dict] | None) -> tuple[str, list[dict]]:
    text, entities = formatted(source, parse_mode, entities)
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def _caption(p: dict) -> tuple[str, list[dict]]:
    caption, entities = formatted(p.get("caption", ""), p.get("parse_mode"), p.get("caption_entities"))
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption, entities


def _deliver(
    world: World,
    chat: Chat,
    p: dict,
    method: str,
    kind: str,
    markup: dict | None,
    *,
    upload: UploadedFile | None = None,
    **content: Any,
) -> dict[str, Any]:
    """Post the bot's message into ``chat`` and record it for the tests."""
    reply_to = _reply_target(chat, p.get("reply_parameters"))
    thread_id = p.get("message_thread_id")
    message = world.new_message(
        chat, world.bot, reply_to=reply_to, thread_id=thread_id, reply_markup=inline_keyboard(markup), **content
    )
    world.record_sent(
        SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            method=method,
            kind=kind,
            message=message,
            params=p,
            text=content.get("text"),
            caption=content.get("caption") or None,
            entities=content.get("entities") or content.get("caption_entities") or [],
            reply_markup=markup,
            thread_id=thread_id,
            reply_to=reply_to["message_id"] if reply_to else None,
            file_name=upload.filename if upload else None,
            file_data=upload.data if upload else None,
            poll=content.get("poll"),
        )
    )
    return message


def _reply_target(chat: Chat, reply_parameters: dict | None) -> dict | None:
    if not reply_parameters:
        return None
    if reply_parameters.get("chat_id") not in (None, chat.id):
        raise ApiError(501, "emulator: replies to another chat are not implemented")
    target = chat.messages.get(int(reply_parameters.get("message_id") or 0))
    if target is None and not reply_parameters.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return target


def _editable(world: World, p: dict, missing: str) -> tuple[dict, SentMessage]:
    """The bot's own message an edit targets (inline messages are out of scope)."""
    if "inline_message_id" in p:
        raise ApiError(501, "emulator: inline messages are not implemented")
    if "chat_id" not in p:
        raise bad_request("chat_id is empty")
    if "message_id" not in p:
        raise bad_request("message identifier is not specified")
    chat = writable(world, p["chat_id"])
    message = chat.messages.get(p["message_id"])
    if message is None:
        raise bad_request(missing)
    if message["from"]["id"] != world.bot["id"]:
        raise bad_request("message can't be edited")
    return message, world.sent_index[(chat.id, message["message_id"])]


def _edited(world: World, message: dict, record: SentMessage, markup: dict | None) -> dict[str, Any]:
    """Finish an edit: omitting reply_markup removes the keyboard, as in Telegram."""
    _set_or_drop(message, "reply_markup", markup)
    record.reply_markup = markup
    message["edit_date"] = int(time.time())
    record.edits += 1
    world.touch(record)
    return message


def _set_or_drop(message: dict, key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)
