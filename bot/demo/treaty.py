"""The demo's treaty-reporting chapter (SPEC §14): a year of reports from two operators (with
newly identified area), the Article 7 workbook and its summary, the report marked submitted
and a late correction flagged, then the figures of an Article 4 extension request with the
declared figures and the Meeting of States Parties that would decide it.

`play` continues the scripted coalition of `bot.demo.runner` after the progress chapter.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import Application

from bot.clock import FrozenClock
from bot.demo.cast import CLAIRE, GROUP, NADIA, SALIM, Transcript
from bot.emulator import Emulator
from jobs import DISPATCHER_KEY

YEAR = 2026


def _reports(organisation_figures: Callable[[int], str | None]) -> list[str]:
    return [
        f"/report period={YEAR}-{m:02d} {figures}"
        for m in range(1, 13)
        if (figures := organisation_figures(m)) is not None
    ]


def _npa(month: int) -> str | None:
    """NPA reports every month but July; survey finds new contamination in spring."""
    if month == 7:
        return None
    found = " found=12 000" if month in (4, 5) else ""
    return f"cancelled=20 000 reduced=8 000 cleared=15 000 cmr=40 re_sessions=6 re_people=180{found}"


def _halo(month: int) -> str | None:
    """HALO Trust starts in March and misses October."""
    if month < 3 or month == 10:
        return None
    return "reduced=5 000 cleared=22 000 cmr=25 submunitions=120"


async def play(
    show: Transcript, emu: Emulator, application: Application, clock: FrozenClock, step: Callable[[str], None]
) -> None:
    step("Treaty reporting: a year of monthly reports from two operators")
    await show.act(SALIM, GROUP, "/join operator HALO Trust")
    await show.act(CLAIRE, GROUP, "/approve @salim")
    await show.act(CLAIRE, GROUP, f"/settings baseline 1,500,000 {YEAR}-01")
    await show.act_silently(NADIA, GROUP, _reports(_npa), f"files NPA's reports for {YEAR} (11 months, not July)")
    await show.act_silently(
        SALIM, GROUP, _reports(_halo), f"files HALO Trust's reports for {YEAR} (from March, not October)"
    )

    step("The Article 7 draft: a workbook (Forms F, B, G) and the months without a report")
    await show.act(CLAIRE, CLAIRE, f"/article7 {YEAR}")
    await show.act(CLAIRE, CLAIRE, f"/article7 {YEAR} submitted")

    step("A late report changes the submitted figures: accepted, and the managers are told")
    await show.act(NADIA, GROUP, f"/report period={YEAR}-07 cleared=9 000")
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()
    await show.act(CLAIRE, CLAIRE, f"/article7 {YEAR}")

    step("An Article 4 extension request: declared figures, the Meeting of States Parties, the figures")
    await show.act(CLAIRE, GROUP, "/settings eif 2,600,000 2011-08-01")
    await show.act(CLAIRE, GROUP, "/settings released_before 1,100,000")
    await show.act(CLAIRE, GROUP, "/deadline msp 2028-11-20")
    await show.act(CLAIRE, GROUP, "/extension")
