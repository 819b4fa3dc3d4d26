"""Callback data, declared once per kind of button (Telegram allows 64 bytes; never user text).

Each kind is a small frozen dataclass: its prefix, its typed fields, and from those one
place that builds the data (`pack`), the pattern the handler registration matches
(`pattern`) and the parser that turns a pressed button back into typed values (`parse`).
Field types say what a value may be: `int` (an id), `bool`, a `Literal` of the accepted
words, or `Annotated[str, Token(regex)]`; a trailing `X | None` field may be left out.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Literal, Self

MAX_BYTES = 64
_ID = re.compile(r"\d{1,18}")


class InvalidCallback(ValueError):
    """Data that no button of this kind could have sent: forged, stale or truncated."""


@dataclass(frozen=True)
class Token:
    """The shape of a free string field, e.g. a role key or a random tag."""

    regex: str


@dataclass(frozen=True)
class CallbackData:
    """Base of every kind of button data."""

    PREFIX: ClassVar[str]

    def pack(self) -> str:
        parts = [self.PREFIX]
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            parts.append(("yes" if value else "no") if isinstance(value, bool) else str(value))
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise InvalidCallback(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def pattern(cls) -> str:
        """What the handler registration matches: this kind's prefix (values are checked by `parse`)."""
        return rf"^{re.escape(cls.PREFIX)}(:|$)"

    @classmethod
    def parse(cls, data: str | None) -> Self:
        parts = (data or "").split(":")
        if parts[0] != cls.PREFIX:
            raise InvalidCallback(data)
        values = parts[1:]
        declared = fields(cls)
        hints = _hints(cls)
        if len(values) > len(declared):
            raise InvalidCallback(data)
        parsed: list[object] = []
        for index, field in enumerate(declared):
            kind = hints[field.name]
            if index >= len(values):
                if not _optional(kind):
                    raise InvalidCallback(data)
                parsed.append(None)
                continue
            parsed.append(_convert(kind, values[index], data))
        return cls(*parsed)


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    """A callback class's field types, read once: resolving them cost as much as handling a press."""
    return typing.get_type_hints(kind, include_extras=True)


def _optional(kind: object) -> bool:
    return isinstance(kind, types.UnionType) and type(None) in typing.get_args(kind)


def _convert(kind: object, raw: str, data: str | None) -> object:
    if _optional(kind):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    if kind is int:
        if not _ID.fullmatch(raw):
            raise InvalidCallback(data)
        return int(raw)
    if kind is bool:
        if raw not in ("yes", "no"):
            raise InvalidCallback(data)
        return raw == "yes"
    if typing.get_origin(kind) is Literal:
        if raw not in typing.get_args(kind):
            raise InvalidCallback(data)
        return raw
    if typing.get_origin(kind) is Annotated:
        token = next(arg for arg in typing.get_args(kind)[1:] if isinstance(arg, Token))
        if not re.fullmatch(token.regex, raw):
            raise InvalidCallback(data)
        return raw
    raise TypeError(f"unsupported callback field type {kind!r}")


RsvpChoice = Literal["yes", "online", "no"]
ActionStatusWord = Literal["open", "progress", "blocked", "done"]


@dataclass(frozen=True)
class Join(CallbackData):
    """`/join` without arguments: the role the person chose."""

    PREFIX: ClassVar[str] = "j"
    role: Annotated[str, Token(r"[a-z_]{1,20}")]


@dataclass(frozen=True)
class Approve(CallbackData):
    """A manager approves a pending request; `organisation_id`: the organisation claimed when
    the request was made (a claim changed since is not confirmed by an older button)."""

    PREFIX: ClassVar[str] = "a"
    membership_id: int
    organisation_id: int | None = None


@dataclass(frozen=True)
class Revoke(CallbackData):
    """A manager revokes a member's claim to act for this organisation (SPEC §3)."""

    PREFIX: ClassVar[str] = "rv"
    membership_id: int
    organisation_id: int


@dataclass(frozen=True)
class Rsvp(CallbackData):
    """An answer to a meeting announcement."""

    PREFIX: ClassVar[str] = "r"
    meeting_id: int
    choice: RsvpChoice


@dataclass(frozen=True)
class Report(CallbackData):
    """Replace (`r`) or keep (`k`) a duplicate period, or choose the coalition (`c`), for the
    pending report `token` (a random tag: buttons of an older report no longer apply)."""

    PREFIX: ClassVar[str] = "pr"
    action: Literal["r", "k", "c"]
    token: Annotated[str, Token(r"[0-9a-f]{8}")]
    coalition_id: int | None = None


@dataclass(frozen=True)
class Export(CallbackData):
    """The coalition whose records `/export` sends."""

    PREFIX: ClassVar[str] = "px"
    coalition_id: int


@dataclass(frozen=True)
class Article7(CallbackData):
    """`/article7 YYYY [submitted]` for one of several coalitions the manager manages."""

    PREFIX: ClassVar[str] = "a7"
    year: int
    submitted: bool
    coalition_id: int


@dataclass(frozen=True)
class ConcernCoalition(CallbackData):
    """The coalition an anonymous concern is for: only the coalition id, never the text or sender."""

    PREFIX: ClassVar[str] = "cc"
    coalition_id: int


@dataclass(frozen=True)
class ActionStatus(CallbackData):
    """An owner's one-tap status from the mid-term request."""

    PREFIX: ClassVar[str] = "ap"
    action_id: int
    status: ActionStatusWord


@dataclass(frozen=True)
class Midterm(CallbackData):
    """The national authority circulates a drafted mid-term update."""

    PREFIX: ClassVar[str] = "mt"
    reminder_id: int


@dataclass(frozen=True)
class Forget(CallbackData):
    """The answer to `/forgetme`'s confirmation."""

    PREFIX: ClassVar[str] = "fg"
    confirmed: bool


@dataclass(frozen=True)
class CloseCoalition(CallbackData):
    """`/closecoalition` in a private chat: which coalition (`ask`), then the confirmation."""

    PREFIX: ClassVar[str] = "cz"
    coalition_id: int
    step: Literal["ask", "yes", "no"]


KINDS: tuple[type[CallbackData], ...] = (
    Join,
    Approve,
    Revoke,
    Rsvp,
    Report,
    Export,
    Article7,
    ConcernCoalition,
    ActionStatus,
    Midterm,
    Forget,
    CloseCoalition,
)
"""Every kind of button; prefixes are unique (tests/unit/test_callbacks.py)."""
