"""Handlers of treaty reporting (SPEC §14): `/article7 YYYY [submitted]` (managers, private
chat: the draft workbook and its summary, or the record that it was sent) and `/extension`
(managers: the figures of an Article 4 extension request)."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.models import Coalition
from bot.runtime import BotContext
from bot.services import reports as report_service
from bot.services import treaty as treaty_service
from bot.services.errors import InvalidInput, NotAllowed
from bot.views import callbacks, workbook
from bot.views import treaty as views
from bot.views.common import coalition_keyboard
from bot.views.progress import choose_coalition
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.progress import managed_coalitions
from handlers.turn import Turn, handler


def _request(turn: Turn, args: list[str]) -> tuple[int, bool]:
    """`YYYY` or `YYYY submitted`."""
    if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() != treaty_service.SUBMITTED):
        raise InvalidInput(N_("Use: /article7 YYYY, or /article7 YYYY submitted once the report has been sent."))
    today = report_service.local_today((turn.person and turn.person.timezone) or "UTC", turn.now)
    return treaty_service.parse_year(args[0], today), len(args) == 2


async def _article7(turn: Turn, coalition: Coalition, year: int, submitted: bool) -> None:
    now = turn.now
    today = report_service.local_today(coalition.timezone, now)
    if submitted:
        result = await treaty_service.submit(turn.session, coalition, year, await turn.stored_person(), now)
    else:
        result = await treaty_service.article7(turn.session, coalition, year, today)
    if not result.figures.reported:
        turn.reply(lambda t: views.no_reports(t, coalition, year))
        return
    if submitted:
        turn.reply(lambda t: views.submitted(t, result))
        return
    book = workbook.article7_workbook(turn.langs()[0], result, now)
    turn.send_file(workbook.filename(result), book, lambda t: views.article7_caption(t, result))
    turn.reply(lambda t: views.article7(t, result))


@handler
async def article7(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    year, submitted = _request(turn, context.args or [])
    managed = await managed_coalitions(turn, context)
    if len(managed) == 1:
        await _article7(turn, managed[0], year, submitted)
        return
    turn.reply(
        choose_coalition,
        lambda t: coalition_keyboard(managed, lambda cid: callbacks.Article7(year, submitted, cid).pack()),
    )


@handler
async def article7_button(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    data = pressed(update, callbacks.Article7)
    year, submitted, wanted = data.year, data.submitted, data.coalition_id
    coalition = next((c for c in await managed_coalitions(turn, context) if c.id == wanted), None)
    if coalition is None:
        raise NotAllowed(N_("Only the coalition's managers may do this."))
    await _article7(turn, coalition, year, submitted)


@handler
async def extension(turn: Turn, update: Update, context: BotContext) -> None:
    if turn.private:
        coalitions = await managed_coalitions(turn, context)
    else:
        await require_group_manager(turn, context)
        coalitions = [turn.coalition]
    figures = [await treaty_service.extension(turn.session, coalition, turn.now) for coalition in coalitions]
    turn.reply(lambda t: "\n\n".join(views.extension(t, item) for item in figures))
