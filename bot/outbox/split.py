"""Splitting one HTML text into messages Telegram accepts: the only place that cuts text.

Cuts fall between lines. Only a single line longer than the limit is cut inside, at a
space outside any tag (hard at a character if one word is longer than the limit); the tags
open at a cut are closed at the end of one part and reopened at the start of the next, so
every part is valid HTML on its own (a long mention list of `<a href>` links included).
Entities such as `&amp;` are never cut.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 4096

_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&\s]+|\s|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _opening in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(opening for _name, opening in stack)


def _apply(stack: list[tuple[str, str]], token: str) -> None:
    """Track which tags are open after `token`."""
    match = _TAG.match(token)
    if match is None or token.endswith("/>"):
        return
    closing, name = match[1] == "/", match[2].lower()
    if not closing:
        stack.append((name, token))
        return
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            del stack[index:]
            return


class _Packer:
    """Accumulates tokens into parts no longer than `limit`, tags balanced in each part."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.body: list[str] = []
        self.length = 0
        self.start: list[tuple[str, str]] = []  # tags open where the current part begins
        self.stack: list[tuple[str, str]] = []  # tags open at the end of the current part

    def fits(self, tokens: list[str]) -> bool:
        stack = list(self.stack)
        for token in tokens:
            _apply(stack, token)
        size = len(_opening(self.start)) + self.length + sum(map(len, tokens)) + len(_closing(stack))
        return size <= self.limit

    def add(self, tokens: list[str]) -> None:
        for token in tokens:
            self.body.append(token)
            self.length += len(token)
            _apply(self.stack, token)

    def flush(self) -> None:
        text = "".join(self.body).strip("\n ")
        if text and _strip_tags(text).strip():
            self.parts.append(_opening(self.start) + "".join(self.body) + _closing(self.stack))
        self.body, self.length, self.start = [], 0, list(self.stack)

    @property
    def empty(self) -> bool:
        return not self.body


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]*>", "", text)


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The parts of `text`, in order, each at most `limit` characters and valid HTML."""
    if len(text) <= limit:
        return [text] if text.strip() else []
    packer = _Packer(limit)
    for index, line in enumerate(text.split("\n")):
        tokens = _TOKEN.findall(line)
        if index and not packer.empty:
            tokens = ["\n", *tokens]
        if packer.fits(tokens):
            packer.add(tokens)
            continue
        packer.flush()
        tokens = [token for token in tokens if token != "\n"] if index else tokens
        if packer.fits(tokens):
            packer.add(tokens)
            continue
        _cut_line(packer, tokens)
    packer.flush()
    return packer.parts


def _cut_line(packer: _Packer, tokens: list[str]) -> None:
    """A line longer than a part: words (tags kept with them) until a space, then a new part."""
    words: list[list[str]] = [[]]
    for token in tokens:
        if token.isspace():
            words.append([token])
            words.append([])
        else:
            words[-1].append(token)
    for word in words:
        if not word or packer.fits(word):
            packer.add(word)
            continue
        if word[0].isspace():
            packer.flush()
            continue  # the space a part ends at is not carried over
        packer.flush()
        if packer.fits(word):
            packer.add(word)
            continue
        for token in word:  # one word longer than a part: cut at characters, never in a tag
            pieces = [token] if token.startswith(("<", "&")) else list(token)
            for piece in pieces:
                if not packer.fits([piece]):
                    packer.flush()
                packer.add([piece])
