from bot.views.render import LANGUAGE_SEPARATOR, TEXT_LIMIT, esc, multilingual, split_text


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
