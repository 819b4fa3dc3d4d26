"""The demo's cast and its transcript printer, shared by the demo's chapters (bot/demo*.py)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from bot.emulator import Emulator, SentMessage
from bot.outbox.sender import Sender

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

    def __init__(self, emu: Emulator, charts: Path | None = None) -> None:
        self.emu = emu
        self.charts = charts
        self._handled = 0  # the last update id the bot has finished handling
        self._progress = asyncio.Condition()
        self.shown: dict[str, int] = {"step": 0, "message from the bot": 0, "chart": 0, "file": 0}
        self._printed: dict[tuple[int, int], int] = {}
        self._answers = 0
        self._sender: Sender | None = None

    def where(self, chat_id: int) -> str:
        return "group" if chat_id < 0 else f"private chat with {NAMES.get(chat_id, chat_id)}"

    async def act(self, who: int, chat_id: int, text: str) -> None:
        print(f"\n▶ {NAMES[who]} in the {self.where(chat_id)}: {text}")
        self.shown["step"] += 1
        await self.emu.send(chat_id, who, text)
        await self.quiet()

    async def press(self, who: int, message: SentMessage, label: str) -> None:
        button = next(b for b in message.buttons() if b["text"] == label)
        print(f"\n▶ {NAMES[who]} presses [{label}]")
        self.shown["step"] += 1
        await self.emu.press(message.chat_id, message.message_id, who, button["callback_data"])
        await self.quiet()

    def follow(self, application: Application) -> None:
        """Know when the bot has handled each update, however long it takes (a chart under load)."""
        handle = application.process_update
        self._sender = application.bot_data["runtime"].sender

        async def tracked(update: object) -> None:
            try:
                await handle(update)
            finally:
                if isinstance(update, Update):
                    async with self._progress:
                        self._handled = max(self._handled, update.update_id)
                        self._progress.notify_all()

        application.process_update = tracked  # type: ignore[method-assign]

    async def act_silently(self, who: int, chat_id: int, texts: list[str], summary: str) -> None:
        """Many routine messages (a year of reports): one line says what was sent, the bot's
        answers are not printed."""
        print(f"\n▶ {NAMES[who]} in the {self.where(chat_id)}: {summary}")
        for text in texts:
            await self.emu.send(chat_id, who, text)
        await self.quiet(echo=False)

    async def quiet(self, calm: float = 0.15, echo: bool = True) -> None:
        """Wait until the bot has handled every update, its sender has nothing left to send and the
        emulator saw nothing new for `calm` seconds, then print what is new (or, without `echo`,
        only mark it as seen)."""
        target = self.emu.updates.last_update_id
        with contextlib.suppress(TimeoutError):  # never hang the demo: print what there is
            async with self._progress:
                await asyncio.wait_for(self._progress.wait_for(lambda: self._handled >= target), 120)
            if self._sender is not None:
                await asyncio.wait_for(self._sender.idle(), 120)
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
            self.shown["message from the bot"] += key not in self._printed
            self._printed[key] = message.edits
            print(f"  ◀ bot {verb} in the {self.where(message.chat_id)}:")
            if message.kind == "photo":
                print(f"    {self._chart(message)}")
            for line in (message.content or "").splitlines():
                print(f"    {line}")
            if message.kind == "document":
                self.shown["file"] += 1
                print(f"    [file {message.file_name}, {len(message.file_data or b'')} bytes]")
            buttons = message.buttons()
            if buttons:
                print("    " + " ".join(f"[{b['text']}]" for b in buttons))

    def _chart(self, message: SentMessage) -> str:
        """A picture cannot be printed: say what it shows, and write it into `charts` if asked."""
        self.shown["chart"] += 1
        data = message.file_data or b""
        where = ""
        if self.charts is not None:
            self.charts.mkdir(parents=True, exist_ok=True)
            path = self.charts / f"chart-{self.shown['chart']}.png"
            path.write_bytes(data)
            where = f", written to {path}"
        return (
            "[chart: the area released month by month (cumulative) against the baseline contaminated area, "
            f"the Article 4 deadline and the straight path to it; a {len(data)}-byte PNG{where}]"
        )

    def summary(self) -> str:
        """The closing lines: what the demo has shown."""
        counts = ", ".join(f"{n} {what if n == 1 else _plural(what)}" for what, n in self.shown.items())
        return (
            f"\nThat was {counts}: one coalition set up in Arabic, French and English, members joining and "
            "approved, a meeting with its reminders, agenda polls and an anonymous concern, action points "
            "and their progress, monthly figures with the treaty deadline, and a CSV export. "
            "Every text was written by the real bot against the built-in Bot API emulator."
        )

    def last_with_buttons(self, chat_id: int) -> SentMessage:
        return next(m for m in reversed(self.emu.sent) if m.chat_id == chat_id and m.buttons())


def _plural(noun: str) -> str:
    """English plural of the summary's nouns ("message from the bot" → "messages from the bot")."""
    head, _, tail = noun.partition(" ")
    return f"{head}s {tail}".rstrip()
