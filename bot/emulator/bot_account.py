"""The bot's own account: identity, update delivery (polling or webhook), command menus."""

import re
from typing import Any

from .chats import resolve
from .errors import ApiError, bad_request
from .state import World, scope_key

MAX_COMMANDS = 100
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES_WITH_CHAT = {"chat", "chat_administrators", "chat_member"}
_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"} | _SCOPES_WITH_CHAT


def get_me(world: World, p: dict) -> dict[str, Any]:
    return {
        **world.bot,
        "can_join_groups": True,
        "can_read_all_group_messages": not world.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def log_out_or_close(world: World, p: dict) -> bool:
    return True


async def get_updates(world: World, p: dict) -> list[dict]:
    if world.webhook:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    if "allowed_updates" in p:
        world.updates.set_allowed(p["allowed_updates"])
    return await world.updates.get(p.get("offset"), p.get("limit", 100), p.get("timeout", 0))


def set_webhook(world: World, p: dict) -> bool:
    """Stores the webhook (updates are not pushed to it: tests poll); an empty url removes it."""
    url = p["url"]
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if p.get("drop_pending_updates"):
        world.updates.drop_pending()
    if "allowed_updates" in p:
        world.updates.set_allowed(p["allowed_updates"])
    extras = {k: p[k] for k in ("ip_address", "max_connections", "allowed_updates") if k in p}
    world.webhook = {"url": url, **extras} if url else {}
    return True


def delete_webhook(world: World, p: dict) -> bool:
    if p.get("drop_pending_updates"):
        world.updates.drop_pending()
    world.webhook = {}
    return True


def get_webhook_info(world: World, p: dict) -> dict[str, Any]:
    return {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
        **world.webhook,
    }


def set_my_commands(world: World, p: dict) -> bool:
    commands = p["commands"]
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.bot_commands[_menu_key(world, p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(world: World, p: dict) -> list[dict]:
    return world.bot_commands.get(_menu_key(world, p), [])


def delete_my_commands(world: World, p: dict) -> bool:
    world.bot_commands.pop(_menu_key(world, p), None)
    return True


def _menu_key(world: World, p: dict) -> tuple[tuple, str]:
    """Validated (scope, language) key of a command menu."""
    scope = p.get("scope") or {"type": "default"}
    if scope.get("type") not in _SCOPES:
        raise bad_request("wrong bot command scope type specified")
    if scope["type"] in _SCOPES_WITH_CHAT:
        if "chat_id" not in scope:
            raise bad_request("chat_id is empty")
        resolve(world, scope["chat_id"])
    if scope["type"] == "chat_member" and scope.get("user_id") not in world.users:
        raise bad_request("user not found")
    language = p.get("language_code", "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope_key(scope), language
