"""The demo's agenda chapter: proposals, a native poll and its count, an anonymous concern.

`play` continues the scripted Lebanese coalition of `bot.demo.runner` (the facilitator Claire, the
operator Nadia, the donor John, Salim and the national authority Rania; meeting M1 on
15 April is the next meeting).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from telegram.ext import Application

from bot.clock import FrozenClock
from bot.demo.cast import CLAIRE, GROUP, JOHN, NADIA, NAMES, RANIA, SALIM, Transcript
from bot.emulator import Emulator
from bot.runtime import runtime_of
from jobs import DISPATCHER_KEY

VOTES = {NADIA: [0, 1], JOHN: [1], RANIA: [1, 2], SALIM: [2]}


async def play(
    show: Transcript, emu: Emulator, application: Application, clock: FrozenClock, step: Callable[[str], None]
) -> None:
    step("Agenda: members propose topics, the facilitator polls them and closes the poll")
    await show.act(NADIA, GROUP, "/propose Technical survey of CMR-contaminated land")
    await show.act(JOHN, GROUP, "/propose Donor reporting for 2027")
    await show.act(SALIM, GROUP, "/propose مراجعة المعايير الوطنية للأعمال المتعلقة بالألغام")
    await show.act(CLAIRE, GROUP, "/poll")
    poll = next(m for m in reversed(emu.sent) if m.kind == "poll")
    assert poll.poll is not None
    options = [o["text"] for o in poll.poll["options"]]
    print("    " + " ".join(f"[{text}]" for text in options))
    for user, choice in VOTES.items():
        print(f"\n▶ {NAMES[user]} votes: " + ", ".join(options[i] for i in choice))
        await emu.poll_answer(poll.poll["id"], user, choice)
    await show.quiet()
    await show.act(CLAIRE, GROUP, "/closepoll")
    await show.act(JOHN, GROUP, "/agenda")

    step("An anonymous concern: only the facilitator receives it, and raises it without attribution")
    runtime = runtime_of(application)
    # the demo has no configuration: a throwaway key for the concern limiter
    runtime.settings.concern_secret = runtime.settings.concern_secret or secrets.token_hex(16)
    await show.act(CLAIRE, CLAIRE, "/start")
    await show.act(NADIA, NADIA, "/concern The national authority withholds tasking from operators who report delays.")
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()
    await show.act(CLAIRE, CLAIRE, "/concerns")
    await show.act(CLAIRE, GROUP, "/raise C1")
    await show.act(SALIM, SALIM, "/concern")
    await show.act(SALIM, SALIM, "/cancel")
