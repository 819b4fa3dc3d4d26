"""Checks on ``reply_markup`` that Telegram enforces and a bot can easily get wrong.

The one that matters most is the 64-byte limit on ``callback_data``: it is measured in
UTF-8 bytes, so a short Arabic label copied into the data can overflow it. Others depend on
where the keyboard goes: a ``web_app`` button only in a private chat (elsewhere Telegram
answers ``BUTTON_TYPE_INVALID``), and a ``login_url`` only to the domain linked to the bot
with @BotFather's /setdomain (``World.login_domain``; else ``BOT_DOMAIN_INVALID``).
"""

from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
    "copy_text", "callback_game", "pay",
)  # fmt: skip
_URL_SCHEMES = ("http://", "https://", "tg://")


def check_reply_markup(
    markup: dict[str, Any] | None, chat_type: str, login_domain: str | None, *, inline_only: bool = False
) -> dict | None:
    """Validate any kind of reply markup for a chat of `chat_type`; edits and stopPoll accept
    inline keyboards only."""
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"], chat_type == "private", login_domain)
    elif inline_only:
        raise bad_request("can't parse inline keyboard markup JSON object")
    elif "keyboard" in markup:
        if not _is_grid(markup["keyboard"]):
            raise bad_request("can't parse reply keyboard markup JSON object")
    elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def inline_keyboard(markup: dict | None) -> dict | None:
    """The part of the markup a Message shows: only inline keyboards are echoed back."""
    return markup if markup and "inline_keyboard" in markup else None


def _is_grid(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, list) for row in rows)


def _check_inline_keyboard(rows: Any, private: bool, login_domain: str | None) -> None:
    if not _is_grid(rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    buttons = [button for row in rows for button in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not any(action in button for action in _ACTIONS):
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and (not isinstance(url, str) or not url.startswith(_URL_SCHEMES)):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")
        web_app = button.get("web_app")
        if "web_app" in button and not private:
            raise bad_request("BUTTON_TYPE_INVALID")
        if "web_app" in button and not str((web_app or {}).get("url", "")).startswith("https://"):
            raise bad_request(
                f"inline keyboard button Web App URL '{(web_app or {}).get('url')}' is invalid: Only HTTPS links are allowed"
            )
        if "login_url" in button:
            _check_login_url(button["login_url"], login_domain)


def _check_login_url(login_url: Any, domain: str | None) -> None:
    """An https address on the bot's linked domain (or a subdomain of it)."""
    url = str((login_url or {}).get("url", "")) if isinstance(login_url, dict) else ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request(f"inline keyboard button login URL '{url}' is invalid: Only HTTPS links are allowed")
    host = parts.hostname.lower()
    if domain is None or not (host == domain or host.endswith("." + domain)):
        raise bad_request("BOT_DOMAIN_INVALID")
