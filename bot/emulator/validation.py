"""Check a request against the Bot API table and coerce its parameters to Python values.

Telegram accepts parameters as query string, url-encoded form, JSON body or multipart form,
so scalars may arrive as strings and objects as JSON text; this module hides that
difference from the method implementations.  It is deliberately stricter than Telegram
about unknown parameters: a misspelt parameter is silently ignored by the real API, which
is exactly the kind of bug the end-to-end tests should surface.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import bad_request

TABLE_PATH = Path(__file__).with_name("api_table.json")
_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_ATTACH = "attach://"
# Wording Telegram uses when these are missing; anything else gets the generic sentence.
_MISSING = {"chat_id": "chat_id is empty", ("sendMessage", "text"): "message text is empty"}
# python-telegram-bot's ``Defaults`` add these to every message method, including ones that
# do not take them (editMessageText gets disable_notification); Telegram ignores them there.
_IGNORED_EXTRAS = frozenset({"disable_notification", "protect_content", "parse_mode", "link_preview_options"})
_UNPARSABLE = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class _Mismatch(Exception):
    """Raised by a coercer when a value does not have the expected type."""


class ApiTable:
    """The Bot API method signatures from ``api_table.json``, with request validation."""

    def __init__(self, path: Path = TABLE_PATH):
        table = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = table["version"]
        self.methods: dict[str, dict[str, list]] = table["methods"]
        # Telegram method names are case-insensitive.
        self._by_lower = {name.lower(): name for name in self.methods}

    def canonical(self, method: str) -> str | None:
        """The table's spelling of ``method``, or None when the Bot API has no such method."""
        return self._by_lower.get(method.lower())

    def validate(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Return ``raw`` with every value coerced to its declared type, or raise a 400."""
        signature = self.methods[method]
        attached = _attach_names(raw)
        params: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in signature:
                if name in _IGNORED_EXTRAS or (isinstance(value, UploadedFile) and name in attached):
                    continue  # attach:// targets are resolved where they are referenced
                raise bad_request(f"unknown parameter {name}")
            params[name] = self._coerce(name, value, signature[name][0], raw)
        for name, (_, required) in signature.items():
            if required and (name not in params or (name == "chat_id" and params[name] == "")):
                wording = _MISSING.get((method, name)) or _MISSING.get(name)
                raise bad_request(wording or f'parameter "{name}" is required')
        return params

    def _coerce(self, name: str, value: Any, types: list[str], raw: dict[str, Any]) -> Any:
        for type_name in types:
            try:
                return _coerce_one(value, type_name, raw)
            except _Mismatch:
                continue
        raise bad_request(_UNPARSABLE.get(name) or f'can\'t parse parameter "{name}": expected {" or ".join(types)}')


def _attach_names(raw: dict[str, Any]) -> set[str]:
    """Names of file parts referenced as ``attach://name`` anywhere in the other parameters."""
    text = " ".join(v if isinstance(v, str) else json.dumps(v) for v in raw.values() if not isinstance(v, UploadedFile))
    return set(re.findall(re.escape(_ATTACH) + r"([\w-]+)", text))


def _coerce_one(value: Any, type_name: str, raw: dict[str, Any]) -> Any:
    if type_name.startswith("Array of "):
        items = _json(value, list)
        return [_coerce_one(item, type_name.removeprefix("Array of "), raw) for item in items]
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            return int(value)
    elif type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif type_name == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif type_name == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | str) and str(value).lower() in _BOOLEANS:
            return _BOOLEANS[str(value).lower()]
    elif type_name == "InputFile":
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith(_ATTACH):
            part = raw.get(value.removeprefix(_ATTACH))
            if isinstance(part, UploadedFile):
                return part
    else:
        return _json(value, dict)
    raise _Mismatch


def _json(value: Any, expected: type) -> Any:
    """Accept a JSON value of the expected container type, or its JSON-serialised text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Mismatch from None
    if not isinstance(value, expected):
        raise _Mismatch
    return value
