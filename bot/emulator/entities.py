"""Message text as Telegram sees it: HTML parse mode, automatic entities, trimming.

The HTML parser follows the rules of TDLib's ``parse_html`` (the code behind the Bot API),
including its error sentences, so a message that Telegram would refuse is refused here
with the same description.  A ``&`` that does not start a known entity is kept literally,
as TDLib does.  Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

import re
from dataclasses import dataclass

from .errors import ApiError, bad_request

_SPACES = " \t\r\n\v"
_ALLOWED_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
    "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
}  # fmt: skip
_SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_AUTO_ENTITIES = (
    ("bot_command", _BOT_COMMAND),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Bot API entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    expandable: bool
    utf16_offset: int
    text_index: int


class _HtmlError(Exception):
    """A parse failure; the message is TDLib's sentence without the ``can't parse`` prefix."""


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Turn Telegram-flavoured HTML into plain text and entities, or raise a 400."""
    try:
        return _HtmlParser(source).run()
    except _HtmlError as error:
        raise bad_request(f"can't parse entities: {error}") from None


class _HtmlParser:
    def __init__(self, source: str):
        self.src = source
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def run(self) -> tuple[str, list[dict]]:
        src, i = self.src, 0
        while i < len(src):
            if src[i] == "&":
                decoded, end = _decode_entity(src, i)
                if decoded:
                    self.emit(decoded)
                    i = end
                    continue
            if src[i] != "<":
                self.emit(src[i])
                i += 1
            elif src.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise _HtmlError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        src = self.src
        end = begin + 1
        while end < len(src) and src[end] not in _SPACES and src[end] != ">":
            end += 1
        if end >= len(src):
            raise _HtmlError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : end].lower()
        if name not in _ALLOWED_TAGS:
            raise _HtmlError(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument, expandable, end = self.attributes(name, begin, end)
        if name == "span" and argument != "spoiler":
            raise _HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name, argument, expandable, self.utf16, len(self.out)))
        return end + 1

    def attributes(self, tag: str, begin: int, i: int) -> tuple[str, bool, int]:
        """Parse attributes up to ``>``; return the tag's meaningful argument and the ``>`` index."""
        src, argument, expandable = self.src, "", False
        while True:
            while i < len(src) and src[i] in _SPACES:
                i += 1
            if i >= len(src):
                raise _HtmlError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if src[i] == ">":
                return argument, expandable, i
            name_begin = i
            while i < len(src) and src[i] not in _SPACES and src[i] not in "=>":
                i += 1
            attribute = src[name_begin:i].lower()
            while i < len(src) and src[i] in _SPACES:
                i += 1
            if i >= len(src) or src[i] != "=":
                expandable = expandable or (tag == "blockquote" and attribute == "expandable")
                continue
            value, i = self.attribute_value(begin, i + 1)
            if tag == "a" and attribute == "href":
                argument = value
            elif tag == "code" and attribute == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif tag == "tg-emoji" and attribute == "emoji-id":
                argument = value

    def attribute_value(self, begin: int, i: int) -> tuple[str, int]:
        src = self.src
        while i < len(src) and src[i] in _SPACES:
            i += 1
        if i >= len(src):
            raise _HtmlError(f"Unexpected end of name token at byte offset {self.byte_offset(begin)}")
        if src[i] not in "'\"":
            token = _NAME_TOKEN.match(src, i).group()  # type: ignore[union-attr]  # matches the empty string
            end = i + len(token)
            if end >= len(src) or (src[end] not in _SPACES and src[end] != ">"):
                raise _HtmlError(f"Unexpected end of name token at byte offset {self.byte_offset(i)}")
            return token.lower(), end
        close = src.find(src[i], i + 1)
        if close < 0:
            raise _HtmlError(f"Unclosed end of attribute value at byte offset {self.byte_offset(i)}")
        return _decode_all(src[i + 1 : close]), close + 1

    def end_tag(self, begin: int) -> int:
        src = self.src
        if not self.stack:
            raise _HtmlError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(src) and src[i] not in _SPACES and src[i] != ">":
            i += 1
        found = src[begin + 2 : i].lower()
        while i < len(src) and src[i] in _SPACES:
            i += 1
        if i >= len(src) or src[i] != ">":
            raise _HtmlError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        tag = self.stack.pop()
        if found and found != tag.name:
            raise _HtmlError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{found}>"'
            )
        if self.utf16 > tag.utf16_offset:
            self.close_entity(tag)
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        entity: dict = {"offset": tag.utf16_offset, "length": self.utf16 - tag.utf16_offset}
        if tag.name in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[tag.name]
        elif tag.name == "tg-emoji":
            if not re.fullmatch(r"\d{1,19}", tag.argument):
                raise _HtmlError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "a":
            entity.update(type="text_link", url=tag.argument or "".join(self.out[tag.text_index :]))
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.expandable else "blockquote"
        elif tag.name == "code":
            entity["type"] = "code"
            if tag.argument:
                entity["language"] = tag.argument
        else:  # pre: absorbs an inner <code class="language-…"> spanning all of it
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            same_span = last and (last["offset"], last["length"]) == (entity["offset"], entity["length"])
            if last and last["type"] == "code" and same_span:
                self.entities.pop()
                if "language" in last:
                    entity["language"] = last["language"]
        self.entities.append(entity)


def _decode_entity(src: str, i: int) -> tuple[str, int]:
    """Decode the character reference at ``src[i] == "&"``; ("", i) when it is not one."""
    end = i + 1
    if src.startswith("&#", i):
        end += 1
        hexadecimal = src.startswith("x", end)
        end += hexadecimal
        digits = re.match(r"[0-9a-fA-F]*" if hexadecimal else r"[0-9]*", src[end:]).group()  # type: ignore[union-attr]  # matches the empty string
        end += len(digits)
        code = int(digits, 16 if hexadecimal else 10) if digits else 0
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return "", i
        char = chr(code)
    else:
        name = re.match(r"[A-Za-z]*", src[end:]).group()  # type: ignore[union-attr]  # matches the empty string
        end += len(name)
        if name not in _NAMED:
            return "", i
        char = _NAMED[name]
    return char, end + src.startswith(";", end)


def _decode_all(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        decoded, end = _decode_entity(text, i) if text[i] == "&" else ("", i)
        out.append(decoded or text[i])
        i = end if decoded else i + 1
    return "".join(out)


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace as Telegram does, clipping entities to the kept text."""
    stripped = text.strip(_SPACES)
    if not stripped:
        return "", []
    start = utf16_len(text[: len(text) - len(text.lstrip(_SPACES))])
    end = start + utf16_len(stripped)
    kept = []
    for entity in entities:
        lo, hi = max(entity["offset"], start), min(entity["offset"] + entity["length"], end)
        if hi > lo:
            kept.append({**entity, "offset": lo - start, "length": hi - lo})
    return stripped, kept


def bot_commands(text: str) -> list[str]:
    """The ``/command`` or ``/command@bot`` words in a text, as Telegram recognises them."""
    return _BOT_COMMAND.findall(text)


def auto_entities(text: str) -> list[dict]:
    """The entities Telegram detects by itself in a user's text: commands, mentions, hashtags."""
    found = [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for kind, pattern in _AUTO_ENTITIES
        for m in pattern.finditer(text)
    ]
    return sorted(found, key=lambda e: e["offset"])


def formatted(text: str, parse_mode: str | None, entities: list[dict] | None) -> tuple[str, list[dict]]:
    """Apply ``parse_mode`` (or explicit entities) and trimming: the text as it will be stored."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, entities = parse_html(text)
    elif mode in ("markdown", "markdownv2"):
        raise ApiError(501, f"emulator: parse_mode {parse_mode} is not implemented")
    elif mode:
        raise bad_request("unsupported parse_mode")
    return strip_text(text, entities or [])
