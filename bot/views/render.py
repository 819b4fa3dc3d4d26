"""Rendering helpers shared by every view: escaping, several languages in one post.

Splitting long texts is the sender's (`bot.outbox.split`), the one place that cuts text."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from bot.i18n import Lang
from bot.services.errors import UserError

TEXT_LIMIT = 4096
LANGUAGE_SEPARATOR = "\n\n— — —\n\n"

Render = Callable[[Lang], str]


def esc(value: object) -> str:
    """Escape user-supplied text for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


def user_error(t: Lang, error: UserError) -> str:
    """A service's refusal, translated, with the offending values escaped."""
    return esc(t._(error.message)).format(**{k: esc(v) for k, v in error.params.items()})


def blocks(langs: Iterable[Lang], render: Render) -> list[str]:
    return [render(t) for t in langs]


def multilingual(langs: Iterable[Lang], render: Render) -> list[str]:
    """One group post with one block per language, or one post per language when too long."""
    parts = blocks(langs, render)
    joined = LANGUAGE_SEPARATOR.join(parts)
    return [joined] if len(joined) <= TEXT_LIMIT else parts
