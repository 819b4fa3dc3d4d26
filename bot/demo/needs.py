"""The demo's resource-mobilisation chapter (SPEC §13): the national authority lists the
needs (a bad currency refused), two donors pledge in two currencies (Arabic-Indic digits
understood), a manager records an in-kind pledge that the donor confirms, a tranche is
disbursed, the funding gap shows in the group's three languages and privately, and a pledge
past its date nudges its donor.

`play` continues the scripted Lebanese coalition of `bot.demo.runner` after the progress
chapter (August 2027).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from telegram.ext import Application

from bot.clock import FrozenClock
from bot.demo.cast import CLAIRE, GROUP, JOHN, MARC, NADIA, RANIA, Transcript
from bot.emulator import Emulator
from jobs import DISPATCHER_KEY


async def play(
    show: Transcript,
    emu: Emulator,
    application: Application,
    clock: FrozenClock,
    step: Callable[[str], None],
) -> None:
    step("Resource mobilisation: the national authority lists the needs (a wrong currency code is refused)")
    await show.act(RANIA, GROUP, "/join national_authority LMAC")
    await show.act(CLAIRE, GROUP, "/approve @rania")  # her own organisation: another manager confirms it
    await show.act(RANIA, GROUP, "/need Technical survey of sector 4 450000 USD by 2028-06 priority high")
    await show.act(RANIA, GROUP, "/need Prosthetics workshop in Nabatieh 1.200.000 EUR priority medium")
    await show.act(RANIA, GROUP, "/need Two mechanical demining machines priority high")
    await show.act(RANIA, GROUP, "/need Mine risk education kits 80000 ERU")

    step("Two donors pledge in two currencies; a manager records a pledge in kind, which the donor confirms")
    emu.add_user(MARC, "Marc", username="marc", language_code="fr")
    await show.act(JOHN, GROUP, "/pledge N1 200000 USD by 2027-12-31 first tranche")
    await show.act(MARC, GROUP, "/join donor EU Delegation")
    await show.act(MARC, GROUP, "/pledge N1 150 000 EUR")  # not confirmed yet: refused, and told why
    await show.press(RANIA, show.last_with_buttons(GROUP), show.last_with_buttons(GROUP).buttons()[0]["text"])
    await show.act(MARC, GROUP, "/pledge N1 150 000 EUR")
    await show.act(MARC, GROUP, "/pledge N2 ٤٠٠٬٠٠٠ EUR")
    await show.act(NADIA, GROUP, "/pledge N3 in-kind one machine")
    await show.act(RANIA, GROUP, "/pledge N3 in-kind two machines from the 2027 budget org=Embassy of Norway")
    await show.act(JOHN, GROUP, "/pledge PL4 confirm")
    await show.act(JOHN, GROUP, "/pledge PL1 committed")
    await show.act(JOHN, GROUP, "/pledge PL1 disbursed 50 000 USD")

    step("The funding gap, in the group's three languages and privately")
    await show.act(JOHN, GROUP, "/needs")
    await show.act(NADIA, NADIA, "/needs")

    step("30 January 2028, 09:00 in Beirut: the first tranche's pledge is past its date; Norway is nudged")
    clock.set(datetime(2028, 1, 30, 7, 0, 1, tzinfo=UTC))
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()
