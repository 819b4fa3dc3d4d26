"""`/dashboard`, `/network` and the dashboard's settings (`/settings public|network on|off`), SPEC §15.

Telegram allows `web_app` buttons only in private chats and only to https addresses, and
refuses any button to a local address: so the private chat gets the Mini App button (and a
login button for a desk browser), the group gets a link to the Mini App (or to the private
chat), and a local `PUBLIC_URL` is written out in the text instead.
"""

from __future__ import annotations

from telegram import Update

from bot.config import Settings
from bot.i18n import N_, Lang
from bot.runtime import BotContext
from bot.services import coalitions as coalition_service
from bot.services import dashboard as service
from bot.services.errors import InvalidInput
from bot.views import dashboard as views
from handlers.turn import Turn, handler


def _configured(turn: Turn) -> Settings | None:
    settings = turn.runtime.settings
    if not settings.public_url:
        turn.reply(views.not_configured)
        return None
    return settings


def offer(turn: Turn, bot_username: str) -> None:
    """The dashboard's way in for this chat (also the answer to the `/start dashboard` deep link)."""
    settings = _configured(turn)
    if settings is None:
        return
    if turn.private:
        address = f"{settings.public_url}/app"
        if settings.public_url_is_local:
            turn.reply(lambda t: views.open_dashboard(t) + "\n" + views.local_address(t, address))
        else:
            login = f"{settings.public_url}/login/0"
            turn.reply(views.open_dashboard, keyboard=lambda t: views.private_keyboard(t, address, login))
        return
    coalition = coalition_service.ensure(turn.coalition)
    if settings.public_url_is_local:
        address = f"{settings.public_url}/app?c={coalition.id}"
        turn.reply(lambda t: views.open_dashboard(t) + "\n" + views.local_address(t, address))
        return
    if settings.webapp_short_name:
        link = f"https://t.me/{bot_username}/{settings.webapp_short_name}?startapp=c{coalition.id}"
    else:
        link = f"https://t.me/{bot_username}?start=dashboard"
    turn.reply(views.open_dashboard, keyboard=lambda t: views.group_keyboard(t, link))


@handler
async def dashboard(turn: Turn, update: Update, context: BotContext) -> None:
    offer(turn, context.bot.username)


@handler
async def network(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    settings = _configured(turn)
    if settings is None:
        return
    if turn.user.id not in settings.network_viewer_ids:
        turn.reply(views.network_refused)
        return
    address = f"{settings.public_url}/network"
    if settings.public_url_is_local:
        turn.reply(lambda t: views.open_network(t) + "\n" + views.local_address(t, address))
        return
    login = f"{settings.public_url}/login/network"
    turn.reply(views.open_network, keyboard=lambda t: views.private_keyboard(t, address, login))


def _switch(value: str) -> bool:
    word = value.strip().lower()
    if word not in ("on", "off"):
        raise InvalidInput(N_("Use on or off, e.g. /settings public on."))
    return word == "on"


async def change(turn: Turn, context: BotContext, key: str, value: str) -> None:
    """`/settings public|network on|off`, by a manager already checked by the caller."""
    on = _switch(value)
    coalition = turn.coalition
    admin = await turn.is_admin(context.bot)
    settings = turn.runtime.settings
    if key == "network":
        await service.set_network(turn.session, coalition, on, turn.member, admin)
        viewers = len(settings.network_viewer_ids)
        turn.reply(lambda t: views.network_changed(t, on, viewers))
        return
    if on and not settings.public_url:
        turn.reply(views.not_configured)
        return
    await service.set_public(turn.session, coalition, on, turn.member, admin)
    if on:
        address = f"{settings.public_url}/c/{coalition.public_slug}"
        turn.reply(lambda t: views.public_on(t, address))
        return
    turn.reply(views.public_off)
    by = turn.user.full_name
    for authority in await service.authorities(turn.session, coalition):
        if authority.person.tg_user_id != turn.user.id:
            turn.tell(authority.person, lambda t: views.public_off_notice(t, coalition, by))


def settings_lines(turn: Turn, t: Lang) -> list[str]:
    settings = turn.runtime.settings
    coalition = turn.coalition
    address = f"{settings.public_url}/c/{coalition.public_slug}" if settings.public_url else None
    return views.settings_lines(t, coalition, address, len(settings.network_viewer_ids))
