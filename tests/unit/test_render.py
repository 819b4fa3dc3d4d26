import re

from bot.outbox.split import split_html as split_text
from bot.views.render import LANGUAGE_SEPARATOR, TEXT_LIMIT, esc, multilingual


def test_short_text_is_one_chunk():
    assert split_text("a\nb") == ["a\nb"]


def test_long_text_is_split_at_line_boundaries_within_the_limit():
    lines = [f"line {i} " + "x" * 50 for i in range(200)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1
    assert all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines


def test_a_single_huge_line_is_cut_at_spaces():
    words = ["word"] * 3000
    chunks = split_text(" ".join(words))
    assert all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert " ".join(chunks).split() == words


def _balanced(chunk: str) -> bool:
    stack = []
    for closing, name in re.findall(r"<(/?)(\w+)[^>]*>", chunk):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def test_a_long_mention_list_is_cut_between_links_never_inside_one():
    mentions = ", ".join(f'<a href="tg://user?id={1000 + i}">Member number {i}</a>' for i in range(400))
    text = f"<b>Not answered yet:</b> {mentions}"
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert all(_balanced(chunk) for chunk in chunks)
    assert sum(chunk.count("tg://user?id=") for chunk in chunks) == 400


def test_tags_open_at_a_cut_are_closed_and_reopened():
    text = "<b>" + " ".join(["bold"] * 2000) + "</b>"
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(chunk.startswith("<b>") and chunk.endswith("</b>") and _balanced(chunk) for chunk in chunks)
    assert re.sub("<[^>]+>", "", " ".join(chunks)).split() == ["bold"] * 2000


def test_entities_are_never_cut():
    chunks = split_text("&amp;" * 2000)
    assert all(len(chunk) <= TEXT_LIMIT and chunk.count("&amp;") * 5 == len(chunk) for chunk in chunks)


def test_escape():
    assert esc("<b>&") == "&lt;b&gt;&amp;"


class _Lang:
    def __init__(self, code):
        self.code = code


def test_multilingual_joins_blocks_or_separates_when_too_long():
    langs = [_Lang("ar"), _Lang("en")]
    assert multilingual(langs, lambda t: t.code) == [f"ar{LANGUAGE_SEPARATOR}en"]
    big = multilingual(langs, lambda t: t.code * 3000)
    assert big == ["ar" * 3000, "en" * 3000]
