"""The demo's progress chapter: the Article 4 deadline and its alerts, two months of an
operator's figures (a typing slip refused, thousands separators understood), the
`/progress` view with its chart, `/deadlines` privately, a manager's CSV export, and the
alert a year before the deadline.

`play` continues the scripted Lebanese coalition of `bot.demo.runner`; the two months reported are
the two before the demo clock's current month, wherever earlier chapters left it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from telegram.ext import Application

from bot.clock import FrozenClock
from bot.demo.cast import CLAIRE, GROUP, JOHN, NADIA, Transcript
from bot.emulator import Emulator
from bot.services.progress import month_index, period_of
from jobs import DISPATCHER_KEY


async def play(
    show: Transcript,
    emu: Emulator,
    application: Application,
    clock: FrozenClock,
    step: Callable[[str], None],
) -> None:

    now = clock.now()
    current = month_index(f"{now.year:04d}-{now.month:02d}")
    earlier, later = period_of(current - 2), period_of(current - 1)

    step("Treaty deadline: the facilitator sets the baseline and the Article 4 deadline")
    await show.act(CLAIRE, GROUP, "/settings baseline 1,200,000")
    await show.act(CLAIRE, GROUP, "/deadline article4 2028-08-01")

    step("The operator reports two months of figures (a negative value is refused)")
    await show.act(NADIA, GROUP, f"/report period={earlier} cancelled=60000 reduced=25000 cleared=18000 cmr=95 "
                                 "re_sessions=9 re_people=310")  # fmt: skip
    await show.act(NADIA, GROUP, f"/report period={later} cancelled=120 000 reduced=45 000 cleared=-38 000")
    await show.act(NADIA, GROUP, f"/report period={later} cancelled=120 000 reduced=45 000 cleared=38 000 cmr=212 "
                                 "re_sessions=14 re_people=530")  # fmt: skip

    step("Progress against the baseline and the deadline, with the chart; deadlines privately")
    await show.act(JOHN, GROUP, "/progress")
    await show.act(JOHN, JOHN, "/deadlines")

    step("A manager exports the coalition's records as CSV files, privately")
    await show.act(CLAIRE, CLAIRE, "/export")

    step("1 August, 09:00 in Beirut: a year before the deadline, the alert in the group")
    clock.set(datetime(2027, 8, 1, 6, 0, 1, tzinfo=UTC))  # 09:00 in Beirut (UTC+3 in summer)
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()
