"""Rendering helpers shared by every view: escaping, direction, syntax examples, several
languages in one post. Splitting long texts is the sender's (`bot.outbox.split`).

Direction (SPEC §10) is handled here for every view: user text and country names are
isolated (FSI…PDI) for right-to-left readers, and the syntax in translated prose —
commands with their arguments, `@names`, `#AP3` — is set left to right: a command with its
arguments in `<code>` (so it can be copied) with the isolate marks outside the code span, so
what is copied is the bare command. A command alone (`/help`) stays plain, so Telegram keeps
it tappable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from bot.i18n import SUPPORTED, Lang
from bot.services.errors import UserError, Words

TEXT_LIMIT = 4096
LANGUAGE_SEPARATOR = "\n\n— — —\n\n"

Render = Callable[[Lang], str]


def esc(value: object) -> str:
    """Escape user-supplied text for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


def user(t: Lang, value: object) -> str:
    """Text someone typed (a title, an action point, an organisation), escaped and isolated, so
    Latin text inside Arabic neither flips the line nor moves the Arabic label."""
    return t.isolate(esc(value))


def country(t: Lang, name: str) -> str:
    """A coalition's country as the reader names it (Liban, لبنان), or as typed when it is not
    a country Babel knows."""
    return user(t, t.country_name(name))


_ARG = (
    r"(?:&lt;[^&\n]{1,40}?&gt;|\[[^\]\n]{1,60}\]|\{\w+\}|[|@…]"
    r"|[A-Za-z0-9_%=+\-,.:/|…²*]*[A-Za-z0-9_%…²*])"
)
_COMMAND = r"(?<![\w/])/[a-z][a-z0-9_]*(?: " + _ARG + r"(?![\w&]))*"
_TAG = r"(?<![\w&#/])[#@][A-Za-z][A-Za-z0-9_]*"
_SYNTAX = re.compile(f"{_COMMAND}|{_TAG}")
_PROSE_WORD = re.compile(r" [a-z]+$")


def _marked(t: Lang, match: re.Match[str]) -> str:
    """One command (with its arguments) or one `@name`/`#AP3`, set left to right."""
    run = match.group()
    if not run.startswith("/"):
        return t.ltr(run)
    while (word := _PROSE_WORD.search(run)) and word.group().strip() not in SUPPORTED:
        run = run[: word.start()]  # an English word after the syntax is prose again ("/poll alone")
    example = f"<code>{run}</code>" if " " in run else run  # a bare /help stays a tappable command
    return t.ltr(example) + match.group()[len(run) :]


def syntax(t: Lang, text: str) -> str:
    """Translated HTML with its syntax examples set for copying and for right-to-left readers."""
    return _SYNTAX.sub(lambda match: _marked(t, match), text)


def prose(t: Lang, text: str) -> str:
    """Translated plain text (it may show `<role>`-style placeholders) as HTML, syntax marked."""
    return syntax(t, esc(text))


def labelled(t: Lang, label: str, items: str) -> str:
    """`NPA: Nadia, Karim`, with the locale's colon (no-break space in French); `items` alone
    when there is no label (members without an organisation)."""
    if not label:
        return items
    return t.mark + t._("{label}: {items}").format(label=user(t, label), items=items)


def _value(t: Lang, value: object) -> str:
    if isinstance(value, Words):
        return t.join([t.isolate(esc(t._(item))) for item in value])
    if isinstance(value, (list, tuple)):
        return t.join([t.isolate(esc(item)) for item in value])
    return esc(value)


def user_error(t: Lang, error: UserError) -> str:
    """A service's refusal, translated, with the offending values escaped (lists joined the
    locale's way; `Words` translated first: role names)."""
    return prose(t, t._(error.message)).format(**{k: _value(t, v) for k, v in error.params.items()})


def every(t: Lang, render: Render) -> str:
    """One short text (a caption) in the reader's language and every other group language."""
    return "\n".join(render(lang) for lang in (t, *t.peers))


def blocks(langs: Iterable[Lang], render: Render) -> list[str]:
    """One block per language; identical blocks once (a text written for one reader only)."""
    return list(dict.fromkeys(render(t) for t in langs))


def multilingual(langs: Iterable[Lang], render: Render) -> list[str]:
    """One group post with one block per language, or one post per language when too long."""
    parts = blocks(langs, render)
    joined = LANGUAGE_SEPARATOR.join(parts)
    return [joined] if len(joined) <= TEXT_LIMIT else parts
