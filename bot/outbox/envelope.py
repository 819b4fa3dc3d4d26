"""What the bot says, to whom: one type for replies, announcements and scheduled messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any

from telegram import Bot, ForceReply, InlineKeyboardMarkup
from telegram import Message as TelegramMessage

from bot.i18n import Lang
from bot.outbox.split import split_html
from bot.views.render import Render, multilingual

GROUP = "group"
"""The recipient key of a group post (private recipients are `person:<id>`)."""


def chat_name(chat_id: int) -> str:
    """A chat as log lines name it: a group by its id, a private chat never by its id, which is
    the person's Telegram id (log files outlive `/forgetme`)."""
    return "a private chat" if chat_id > 0 else f"group {chat_id}"


class Lane(IntEnum):
    """Inside one chat, lower lanes leave first; across chats, bulk waits for the others."""

    SCHEDULED = 0  # scheduled posts, announcements, alerts: first inside a group's budget
    REPLY = 1  # answers to what someone just did
    BULK = 2  # private messages of a fan-out: behind every interactive reply, paced


class Outcome(Enum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: blocked, never started, or removed from the group
    FAILED = "failed"  # 400: Telegram refuses this request as it is
    EXPIRED = "expired"  # an in-memory reply that could not leave within its time


@dataclass
class Envelope:
    """One message to one chat: rendered for its readers when it leaves, split by the sender."""

    recipient: str
    chat_id: int
    render: Render
    langs: list[Lang]
    keyboard: InlineKeyboardMarkup | ForceReply | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    answers: str | None = None  # a mention of the person answered: opens the part when merged

    def texts(self) -> list[str]:
        """The message parts, split between lines, in order (the keyboard goes on the last)."""
        return [part for text in multilingual(self.langs, self.render) for part in split_html(text)]


Call = Callable[[Bot], Awaitable[Any]]
"""One Bot API request that is not a plain text (a file, a photo, a poll, an edit, a reaction)."""


@dataclass
class Job:
    """One unit of work for the sender: the parts of a message, or one request, for one chat.

    `on_part` runs after each part Telegram accepted (a durable message records its progress
    there, so a retry resumes at the part that failed); `after` once everything was sent."""

    chat_id: int
    lane: Lane
    texts: list[str] = field(default_factory=list)
    keyboard: InlineKeyboardMarkup | ForceReply | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    call: Call | None = None
    counted: bool = True  # names the chat in a way Telegram counts against its budget
    answers: str | None = None
    deadline: float | None = None  # monotonic; None: retried until delivered (durable)
    next_part: int = 0
    on_start: Callable[[], Awaitable[None]] | None = None  # once, before the first request
    on_part: Callable[[int, Any], Awaitable[None]] | None = None
    after: Callable[[list[TelegramMessage]], Awaitable[None]] | None = None
    results: list[Any] = field(default_factory=list)
    merged: list[Job] = field(default_factory=list)
    enqueued: float = 0.0
    attempts: int = 0
    label: str = ""

    @property
    def mergeable(self) -> bool:
        """Plain-text replies only: no keyboard, file, quote or progress to keep (SPEC §12)."""
        return (
            self.lane is Lane.REPLY
            and self.call is None
            and self.keyboard is None
            and self.reply_to is None
            and self.on_part is None
            and self.after is None
            and self.next_part == 0
            and self.answers is not None
        )


def text_job(
    chat_id: int,
    texts: list[str],
    *,
    lane: Lane = Lane.REPLY,
    thread_id: int | None = None,
    deadline: float | None = None,
) -> Job:
    """Texts for one chat, split where the sender splits everything."""
    return Job(
        chat_id,
        lane,
        texts=[part for text in texts for part in split_html(text)],
        thread_id=thread_id,
        deadline=deadline,
    )
