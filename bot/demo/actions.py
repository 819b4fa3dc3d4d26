"""The demo's action-point chapter: action points agreed at the meeting, progress reported
the way people write in a group (a command, a `#AP` tag, a reply), the meeting summary in
each member's language, the overdue digest and the mid-term update.

`play` continues the scripted coalition of `bot.demo.runner` after its meeting chapter (the clock
then stands before the spring meeting of 15 April 2027, 09:30 in Beirut).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace

from telegram.ext import Application

from bot.clock import FrozenClock
from bot.demo.cast import CLAIRE, GROUP, JOHN, NADIA, NAMES, RANIA, SALIM, Transcript
from bot.emulator import Emulator, SentMessage
from bot.runtime import runtime_of
from jobs import DISPATCHER_KEY
from jobs.watchdogs import run_watchdogs


async def play(
    show: Transcript, emu: Emulator, application: Application, clock: FrozenClock, step: Callable[[str], None]
) -> None:
    async def tick() -> None:
        await application.bot_data[DISPATCHER_KEY].tick()
        await show.quiet()

    async def write(who: int, chat_id: int, text: str, reply_to: SentMessage | None = None) -> None:
        """A message that is not a command: the bot answers with a reaction, if anything."""
        replying = f" (replying to the bot's message {reply_to.message_id})" if reply_to else ""
        print(f"\n▶ {NAMES[who]} in the {show.where(chat_id)}{replying}: {text}")
        seen = len(emu.reactions)
        await emu.send(chat_id, who, text, reply_to=reply_to.message_id if reply_to else None)
        await show.quiet()
        for reaction in emu.reactions[seen:]:
            print(f"  ◀ bot reacts to the message with {reaction['reaction'][0]['emoji']}")

    def last(chat_id: int, marker: str) -> SentMessage:
        return next(m for m in reversed(emu.sent) if m.chat_id == chat_id and marker in (m.text or ""))

    step("During the meeting the facilitator records action points and decisions")
    clock.set(datetime(2027, 4, 15, 8, 0, tzinfo=UTC))  # 11:00 in Beirut
    await tick()
    await show.act(CLAIRE, GROUP, "/action @nadia 2027-05-31 Submit technical survey plan for sector 4")
    await show.act(CLAIRE, GROUP, "/action NPA Share clearance figures for the Article 7 report")
    await show.act(CLAIRE, GROUP, "/action @john 2027-04-01 Confirm the 2028 funding")
    await write(CLAIRE, GROUP, "/note The coalition agrees to prioritise sector 4 in the south")
    await show.act(NADIA, GROUP, "/action @nadia Something else")

    step("Progress as people write it: a command, #AP tags in ordinary messages, a reply")
    print(f"\n▶ {NAMES[RANIA]} makes the bot a group administrator, so it reads #AP messages")
    await emu.add_bot_to_group(GROUP, RANIA, as_admin=True)
    await show.quiet()
    await write(NADIA, GROUP, "/update AP1 en cours 60% équipes déployées dans le secteur 4")
    await write(JOHN, GROUP, "Pledge confirmed by the embassy this morning #AP3 done")
    await write(SALIM, GROUP, "#AP2 هل وصلت الأرقام؟")
    await write(NADIA, GROUP, "terminé, chiffres transmis au LMAC", reply_to=last(GROUP, "AP2"))
    await show.act(JOHN, GROUP, "/actions")

    step("The day after: the summary, in the group and privately in each member's language")
    await show.act(CLAIRE, CLAIRE, "/start")
    clock.set(datetime(2027, 4, 16, 8, 31, tzinfo=UTC))
    await tick()
    await show.act(CLAIRE, GROUP, "/summary")
    await tick()

    context = SimpleNamespace(runtime=runtime_of(application))
    step("1 June, 09:00 in Beirut: the overdue digest (the owner, and the managers the whole list)")
    clock.set(datetime(2027, 6, 1, 5, 0, tzinfo=UTC))
    await run_watchdogs(context)  # type: ignore[arg-type]  # run_watchdogs reads only `runtime`
    clock.set(datetime(2027, 6, 1, 6, 0, 1, tzinfo=UTC))
    await tick()

    step("Mid-term update: owners are asked a week before the midpoint, then it is circulated")
    clock.set(datetime(2027, 7, 8, 18, 31, tzinfo=UTC))
    await tick()
    request = next(m for m in reversed(emu.sent) if m.chat_id == NADIA and m.buttons())
    await show.press(NADIA, request, next(b["text"] for b in request.buttons() if b["text"].startswith("✓")))
    await write(NADIA, NADIA, "Levé technique achevé à 80 %", reply_to=last(NADIA, "AP1"))
    clock.set(datetime(2027, 7, 15, 18, 31, tzinfo=UTC))
    await tick()
    draft = next(m for m in reversed(emu.sent) if m.chat_id == CLAIRE and m.buttons())
    await show.press(CLAIRE, draft, draft.buttons()[0]["text"])
    await tick()
