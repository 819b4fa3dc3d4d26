"""Every incoming text without invisible direction controls, before anything parses it.

Text copied from an Arabic message can carry isolates and marks (U+2066…U+2069, U+200E/F,
U+061C, U+202A…U+202E) around commands, `@names`, `#AP3`, numbers and dates (SPEC §10).
This runs first (handler group -1) and rewrites the message's text and caption, with the
entity offsets shifted to match, so a command that arrived as `⁦/help⁩` is a command at offset
0 for PTB's `CommandHandler` and every parser sees `AP3`, not `⁨AP3⁩`.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.ext import Application, TypeHandler

from bot.i18n import BIDI_CONTROLS, strip_bidi
from bot.runtime import BotContext

GROUP = -1


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _shifted(text: str, entities: tuple[MessageEntity, ...]) -> tuple[MessageEntity, ...]:
    """The entities of `text` re-measured for the text without its direction controls."""
    removed = [_utf16(text[: m.start()]) for m in BIDI_CONTROLS.finditer(text)]  # each is 1 unit

    def before(offset: int) -> int:
        return sum(1 for at in removed if at < offset)

    kept = []
    for entity in entities:
        start = entity.offset - before(entity.offset)
        end = entity.offset + entity.length - before(entity.offset + entity.length)
        if end > start:
            kept.append(
                MessageEntity(
                    entity.type,
                    start,
                    end - start,
                    url=entity.url,
                    user=entity.user,
                    language=entity.language,
                    custom_emoji_id=entity.custom_emoji_id,
                )
            )
    return tuple(kept)


def clean_message(message: Message) -> None:
    """Strip direction controls from a message's text and caption, keeping entities aligned."""
    changes = {}
    for text_field, entity_field in (("text", "entities"), ("caption", "caption_entities")):
        text = getattr(message, text_field)
        if text and BIDI_CONTROLS.search(text):
            changes[entity_field] = _shifted(text, getattr(message, entity_field))
            changes[text_field] = strip_bidi(text)
    if changes:
        with message._unfrozen():
            for name, value in changes.items():
                setattr(message, name, value)


async def clean(update: Update, context: BotContext) -> None:
    for message in (update.message, update.edited_message, update.channel_post, update.edited_channel_post):
        if message is not None:
            clean_message(message)


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, clean), group=GROUP)
