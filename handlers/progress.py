"""Handlers for progress reports (/report, its step-by-step dialog and buttons), treaty
deadlines (/deadline, /deadlines), /progress (text and chart) and /export (SPEC §9).

The step-by-step dialog and a report waiting for a button (a duplicate period, or the choice
of coalition in a private chat) are `DialogState` rows (SPEC §3 "Dialog state"), so any
instance takes the next step or the press; a waiting report carries a random token that the
buttons repeat, so a button of an older report, or someone else's press, changes nothing.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import asdict
from datetime import date

from telegram import Bot, Message, Update

from bot.i18n import N_
from bot.models import Coalition, DialogState
from bot.outbox.envelope import Job, Lane
from bot.runtime import BotContext
from bot.services import deadlines as deadline_service
from bot.services import dialog_state, group_admins
from bot.services import export as export_service
from bot.services import members as member_service
from bot.services import progress as progress_service
from bot.services import reports as report_service
from bot.services import treaty as treaty_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.services.members import Member
from bot.services.progress import Progress
from bot.services.reports import FIELDS, ReportDraft
from bot.views import callbacks, charts
from bot.views import progress as views
from bot.views import treaty as treaty_views
from bot.views.common import coalition_keyboard
from bot.views.render import multilingual
from handlers import dialogs
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.members import require_group
from handlers.turn import Turn, handler

CAPTION_LIMIT = 1024
DIALOG = "report"
"""The stored dialog of /report without arguments: the period, then each figure."""
_PENDING = "report-pending"  # a valid report waiting for a button: {token, draft, coalition_id}


def _today(turn: Turn) -> date:
    zone = turn.coalition.timezone if turn.coalition else (turn.person and turn.person.timezone) or "UTC"
    return report_service.local_today(zone, turn.now)


async def _organisation(turn: Turn, context: BotContext, coalition: Coalition, draft_org: str | None) -> str:
    member = await turn.member_of(coalition)
    member = member if member is not None and member.is_active else None
    manager = await turn.manages(context.bot, coalition, member)
    return await report_service.organisation_for(turn.session, coalition, member, manager, draft_org)


async def _reporting_coalitions(turn: Turn, context: BotContext, organisation: str | None) -> list[Coalition]:
    """In a private chat: the coalitions this person may file this report in."""
    memberships = await member_service.coalitions_of(turn.session, turn.person)
    if not memberships:
        raise NotFound(N_("You are not a member of any coalition yet."))
    allowed, refusal = [], None
    for coalition, _ in memberships:
        try:
            await _organisation(turn, context, coalition, organisation)
            allowed.append(coalition)
        except UserError as error:
            refusal = refusal or error
    if not allowed:
        raise refusal
    return allowed


async def _remember(turn: Turn, draft: ReportDraft, coalition_id: int | None) -> str:
    token = secrets.token_hex(4)
    data = {"token": token, "draft": asdict(draft), "coalition_id": coalition_id}
    await dialogs.start(turn, _PENDING, "button", data)
    return token


async def _file(
    turn: Turn, context: BotContext, coalition: Coalition, draft: ReportDraft, replace: bool = False
) -> None:
    """Store the report, or ask whether to replace the one stored for that month."""
    organisation = await _organisation(turn, context, coalition, draft.organisation)
    reporter = await turn.stored_person()
    stored = await report_service.file(turn.session, coalition, organisation, draft, reporter, turn.now, replace)
    if stored is None:
        previous = await report_service.existing(turn.session, coalition, organisation, draft.period)
        token = await _remember(turn, draft, coalition.id)
        turn.reply(lambda t: views.duplicate_question(t, previous), lambda t: views.duplicate_keyboard(t, token))
        return
    turn.reply(lambda t: views.report_recorded(t, stored, replace))
    if await treaty_service.after_report(turn.session, coalition, stored, turn.now):
        year = int(stored.period[:4])
        turn.reply(lambda t: treaty_views.report_differs(t, year))


async def _submit(turn: Turn, context: BotContext, draft: ReportDraft) -> None:
    """File in the group's coalition, or privately in the only possible one, or ask which."""
    if not turn.private:
        await _file(turn, context, turn.coalition, draft)
        return
    coalitions = await _reporting_coalitions(turn, context, draft.organisation)
    if len(coalitions) == 1:
        await _file(turn, context, coalitions[0], draft)
        return
    token = await _remember(turn, draft, None)
    turn.reply(
        views.choose_coalition,
        lambda t: coalition_keyboard(coalitions, lambda cid: callbacks.Report("c", token, cid).pack()),
    )


async def _require_reporter(turn: Turn, context: BotContext, organisation: str | None) -> None:
    """Refuse at once (before any question) whoever may not file this report anywhere."""
    if turn.private:
        await _reporting_coalitions(turn, context, organisation)
    else:
        require_group(turn)
        await _organisation(turn, context, turn.coalition, organisation)


@handler
async def report(turn: Turn, update: Update, context: BotContext) -> None:
    if not context.args:
        await _require_reporter(turn, context, None)
        await dialogs.start(turn, DIALOG, "period")
        turn.ask(views.ask_period)
        return
    if not turn.private:
        require_group(turn)
    draft = report_service.parse_report(update.effective_message.text.split(maxsplit=1)[1], _today(turn))
    await _submit(turn, context, draft)


async def report_step(turn: Turn, update: Update, context: BotContext, row: DialogState) -> None:
    """One answer of the /report dialog: the period, then each figure in `FIELDS` order."""
    text = update.effective_message.text.strip()
    if row.step == "period":
        period = report_service.parse_period(text, _today(turn))
        await dialogs.advance(turn, update, row, "figure", {"period": period, "figures": {}})
        turn.ask(lambda t: views.ask_figure(t, FIELDS[0]))
        return
    figures = dict(row.data["figures"])
    name = FIELDS[len(figures)]
    figures[name] = 0 if text == "-" else report_service.parse_figure(name, text)
    if len(figures) < len(FIELDS):
        await dialogs.advance(turn, update, row, "figure", {**row.data, "figures": figures})
        following = FIELDS[len(figures)]
        turn.ask(lambda t: views.ask_figure(t, following))
        return
    draft = ReportDraft(row.data["period"], figures)
    await dialogs.finish(turn, update, row)
    await _submit(turn, context, draft)


@handler
async def report_button(turn: Turn, update: Update, context: BotContext) -> None:
    """Replace (`r`) or keep (`k`) a duplicate period; choose the coalition (`c`)."""
    data = pressed(update, callbacks.Report)
    row = await dialog_state.get(turn.session, turn.chat.id, turn.user.id, _PENDING, turn.now)
    if row is None or row.data["token"] != data.token:
        raise NotFound(N_("This report is not waiting for your answer (if it is yours, send /report again)."))
    action, pending = data.action, dict(row.data)
    draft = ReportDraft(**pending["draft"])
    await dialog_state.finish(turn.session, row, turn.now)  # rolled back, so still pending, if refused
    if action == "k":
        turn.answer(views.kept)
    else:
        coalition_id = data.coalition_id if action == "c" else pending["coalition_id"]
        coalition = await turn.session.get(Coalition, coalition_id)
        if coalition is None or (not turn.private and turn.coalition and turn.coalition.id != coalition.id):
            raise NotAllowed(N_("This button belongs to another coalition."))
        await _file(turn, context, coalition, draft, replace=action == "r")
    turn.clear_keyboard(update)


async def _send_progress(turn: Turn, context: BotContext, items: list[Progress]) -> None:
    """Each coalition's chart as a photo, the text as its caption or, if longer, after it."""
    langs = turn.langs()
    for item in items:
        picture = await asyncio.to_thread(charts.render, langs[0], item)
        texts = multilingual(langs, lambda t, item=item: views.progress(t, item))
        fits = len(texts) == 1 and len(texts[0]) <= CAPTION_LIMIT  # HTML counts more than Telegram does
        titles = multilingual(langs, lambda t, item=item: views.progress_caption(t, item))
        caption = texts[0] if fits else "\n".join(titles)
        turn.runtime.sender.submit(_photo(turn, picture, caption))
        if not fits:
            turn.send_texts(texts)


def _photo(turn: Turn, picture: bytes, caption: str) -> Job:
    chat_id, thread_id, sender = turn.chat.id, turn.thread_id, turn.runtime.sender

    async def photo(bot: Bot) -> Message:
        return await bot.send_photo(chat_id, picture, caption=caption, message_thread_id=thread_id)

    return Job(chat_id, Lane.REPLY, call=photo, deadline=sender.reply_deadline(), label="chart")


async def reader_coalitions(turn: Turn) -> list[Coalition]:
    """The group's coalition, or in a private chat every coalition of the reader."""
    if not turn.private:
        require_group(turn)
        return [turn.coalition]
    coalitions = [c for c, _ in await member_service.coalitions_of(turn.session, turn.person)]
    if not coalitions:
        raise NotFound(N_("You are not a member of any coalition yet."))
    return coalitions


@handler
async def progress(turn: Turn, update: Update, context: BotContext) -> None:
    args = context.args or []
    period = report_service.parse_period(args[0], _today(turn)) if args else None
    items, empty = [], []
    for coalition in await reader_coalitions(turn):
        item = await progress_service.progress(turn.session, coalition, period)
        if item is None:
            empty.append(coalition)
        else:
            items.append(item)
    for coalition in empty:
        turn.reply(lambda t, coalition=coalition: views.no_progress(t, coalition, period))
    if items:
        turn.defer(lambda: _send_progress(turn, context, items))


@handler
async def deadline(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    args = context.args or []
    if len(args) != 2:
        raise InvalidInput(N_("Use: /deadline article3|article4|msp YYYY-MM-DD."))
    article, day = deadline_service.parse_article(args[0]), deadline_service.parse_day(args[1])
    coalition, now = turn.coalition, turn.now
    setter = await turn.stored_person()
    record, alerts = await deadline_service.set_deadline(turn.session, coalition, article, day, setter, now)
    turn.reply(lambda t: views.deadline_set(t, coalition, record, alerts, now))


@handler
async def deadlines(turn: Turn, update: Update, context: BotContext) -> None:
    now = turn.now
    blocks = [
        (coalition, await deadline_service.deadlines_of(turn.session, coalition))
        for coalition in await reader_coalitions(turn)
    ]
    turn.reply(lambda t: "\n\n".join(views.deadline_list(t, c, items, now) for c, items in blocks))


async def send_export(turn: Turn, coalition: Coalition) -> None:
    for item in await export_service.export(turn.session, coalition):
        turn.send_file(item.name, item.content, lambda t, item=item: views.export_caption(t, coalition, item))


async def managed_coalitions(turn: Turn, context: BotContext) -> list[Coalition]:
    """In a private chat: every coalition the sender manages, by role or as a Telegram
    administrator of its group (SPEC §3: the same managers everywhere), refused if none."""
    managed = []
    for coalition, member in await candidate_coalitions(turn):
        if await turn.manages(context.bot, coalition, member):
            managed.append(coalition)
    if not managed:
        raise NotAllowed(N_("Only the coalition's managers may do this."))
    return managed


async def candidate_coalitions(turn: Turn) -> list[tuple[Coalition, Member | None]]:
    """In a private chat: the coalitions the sender is an active member of, then those whose
    group they administered when the bot last looked (each with their membership, if any)."""
    found: dict[int, tuple[Coalition, Member | None]] = {
        coalition.id: (coalition, Member(record, turn.person))
        for coalition, record in await member_service.coalitions_of(turn.session, turn.person)
    }
    for coalition in await group_admins.administered_by(turn.session, turn.user.id):
        found.setdefault(coalition.id, (coalition, None))
    return list(found.values())


@handler
async def export(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    managed = await managed_coalitions(turn, context)
    if len(managed) == 1:
        await send_export(turn, managed[0])
        return
    turn.reply(views.choose_coalition, lambda t: coalition_keyboard(managed, lambda cid: callbacks.Export(cid).pack()))


@handler
async def export_button(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    wanted = pressed(update, callbacks.Export).coalition_id
    coalition = next((c for c in await managed_coalitions(turn, context) if c.id == wanted), None)
    if coalition is None:
        raise NotAllowed(N_("Only the coalition's managers may do this."))
    await send_export(turn, coalition)
