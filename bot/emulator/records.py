"""What tests read back: the bot's outgoing messages and every API call it made."""

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)  # a mutable record: identity, not field equality
class SentMessage:
    """One message the bot produced, kept up to date as the bot edits or deletes it.

    ``entities`` are the parsed entities of ``text`` (or of ``caption`` for files), so tests
    can check formatting without re-parsing HTML.  ``reply_markup`` is the markup the bot
    passed (inline or reply keyboard); ``message`` is the Telegram JSON as the chat shows it.
    """

    chat_id: int
    message_id: int
    method: str
    kind: str  # "text" | "document" | "photo" | "poll"
    message: dict[str, Any]
    params: dict[str, Any]
    text: str | None = None
    caption: str | None = None
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    file_name: str | None = None
    file_data: bytes | None = None
    poll: dict | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def content(self) -> str:
        """The human-visible text whatever the kind: text, caption or poll question."""
        return self.text or self.caption or (self.poll or {}).get("question", "")

    def buttons(self) -> list[dict]:
        """The inline keyboard buttons, flattened row by row (empty without a keyboard)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class ApiRequest:
    """One HTTP call to the emulator and how it was answered."""

    method: str
    params: dict[str, Any]
    status: int
    error: str | None = None
    injected: bool = False  # answered by fail_next()/drop_next(), not by the API logic
    at: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks time fan-outs)

    @property
    def rejected(self) -> bool:
        """A 4xx the bot caused itself: never expected in normal operation (429 is flow control)."""
        return 400 <= self.status < 500 and self.status != 429 and not self.injected
