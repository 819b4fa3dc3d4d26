"""The demo's cast and its transcript printer, shared by the demo's chapters (bot/demo*.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.emulator import Emulator, SentMessage

TOKEN = "424242:DEMO"
GROUP = -100200300
RANIA, NADIA, JOHN, SALIM, CLAIRE = 101, 102, 103, 104, 105
MARC = 106  # joins in the resource-mobilisation chapter
NAMES = {
    RANIA: "Rania (LMAC, ar)",
    NADIA: "Nadia (NPA, fr)",
    JOHN: "John (Norway, en)",
    SALIM: "Salim (LMAC, ar)",
    CLAIRE: "Claire (GICHD, fr)",
    MARC: "Marc (EU Delegation, fr)",
}
START = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


class Transcript:
    """Prints each action and then what the bot wrote, edited or answered because of it."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self._printed: dict[tuple[int, int], int] = {}
        self._answers = 0

    def where(self, chat_id: int) -> str:
        return "group" if chat_id < 0 else f"private chat with {NAMES.get(chat_id, chat_id)}"

    async def act(self, who: int, chat_id: int, text: str) -> None:
        print(f"\n▶ {NAMES[who]} in the {self.where(chat_id)}: {text}")
        await self.emu.send(chat_id, who, text)
        await self.quiet()

    async def press(self, who: int, message: SentMessage, label: str) -> None:
        button = next(b for b in message.buttons() if b["text"] == label)
        print(f"\n▶ {NAMES[who]} presses [{label}]")
        await self.emu.press(message.chat_id, message.message_id, who, button["callback_data"])
        await self.quiet()

    async def act_silently(self, who: int, chat_id: int, texts: list[str], summary: str) -> None:
        """Many routine messages (a year of reports): one line says what was sent, the bot's
        answers are not printed."""
        print(f"\n▶ {NAMES[who]} in the {self.where(chat_id)}: {summary}")
        for text in texts:
            await self.emu.send(chat_id, who, text)
        await self.quiet(echo=False)

    async def quiet(self, calm: float = 0.4, echo: bool = True) -> None:
        """Wait until the bot has stopped writing, then print what is new (or, without `echo`,
        only mark it as seen)."""
        last = None
        while True:
            state = (len(self.emu.sent), sum(m.edits for m in self.emu.sent), len(self.emu.callback_answers))
            if state == last:
                break
            last = state
            await asyncio.sleep(calm)
        if not echo:
            self._answers = len(self.emu.callback_answers)
            self._printed.update({(m.chat_id, m.message_id): m.edits for m in self.emu.sent})
            return
        for answer in list(self.emu.callback_answers.values())[self._answers :]:
            if answer.get("text"):
                print(f"  ◀ (button answer) {answer['text']}")
        self._answers = len(self.emu.callback_answers)
        for message in self.emu.sent:
            key = (message.chat_id, message.message_id)
            if self._printed.get(key) == message.edits:
                continue
            verb = "edits its message" if key in self._printed else "writes"
            self._printed[key] = message.edits
            print(f"  ◀ bot {verb} in the {self.where(message.chat_id)}:")
            for line in (message.content or f"[{message.kind}: {message.file_name}]").splitlines():
                print(f"    {line}")
            if message.kind == "document":
                print(f"    [file {message.file_name}, {len(message.file_data or b'')} bytes]")
            buttons = message.buttons()
            if buttons:
                print("    " + " ".join(f"[{b['text']}]" for b in buttons))

    def last_with_buttons(self, chat_id: int) -> SentMessage:
        return next(m for m in reversed(self.emu.sent) if m.chat_id == chat_id and m.buttons())
