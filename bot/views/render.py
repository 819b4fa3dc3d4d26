"""Rendering helpers shared by every view: escaping, several languages in one post, splitting."""

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
    """One block per language; identical blocks once (a text written for one reader only)."""
    return list(dict.fromkeys(render(t) for t in langs))


def multilingual(langs: Iterable[Lang], render: Render) -> list[str]:
    """One group post with one block per language, or one post per language when too long."""
    parts = blocks(langs, render)
    joined = LANGUAGE_SEPARATOR.join(parts)
    return [joined] if len(joined) <= TEXT_LIMIT else parts


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at line boundaries into chunks Telegram accepts.

    Views never open an HTML tag on one line and close it on another, so a line boundary is
    always a safe place to cut; a single line longer than the limit is cut at a space (or hard).
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]
