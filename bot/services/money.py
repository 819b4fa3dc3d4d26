"""Amounts of money as people type them (SPEC §13), stored as integer minor units.

* The currency is an ISO 4217 code Babel knows (`is_currency`), written before or after
  the number (`450000 USD`, `USD 450 000`); its minor digits come from Babel
  (`get_currency_precision`: 2 for USD, 0 for JPY, 3 for KWD).
* Digits may be Western or Arabic-Indic. In the number, a separator (space, no-break
  space, `.`, `,`, `'`, Arabic `٬`) followed by exactly three digits groups thousands; one
  followed by one or two digits (or the Arabic decimal mark `٫`) is the decimal mark:
  `450,000` = `450 000` = `450.000` = 450000; `450.000,50` = 450000.50; `1,5` = 1.5.
* More decimals than the currency has is refused, never rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_currency_precision, is_currency

from bot.i18n import N_
from bot.services.errors import InvalidInput

MAX_MINOR = 10**15
"""Far above any mine action budget, far below 64 bits."""

BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_GROUP = " \u00a0\u202f.,'\u066c"
_DECIMAL = ".,\u066b"
NUMBER = rf"\d+(?:[{_GROUP}]\d{{3}}(?!\d))*(?:[{_DECIMAL}]\d{{1,2}}(?!\d)|\u066b\d+)?"
"""A number as the rule above reads it (after `normalise`); groups never swallow a longer run."""
CODE = r"[A-Za-z]{3}(?![A-Za-z])"
_LOOSE = re.compile(rf"[\d{_GROUP}{_DECIMAL}]*\d[\d{_GROUP}{_DECIMAL}]*")


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @property
    def precision(self) -> int:
        return get_currency_precision(self.currency)

    @property
    def value(self) -> Decimal:
        """The amount in major units (450000.50), exact."""
        return Decimal(self.minor).scaleb(-self.precision)


def normalise(text: str) -> str:
    """Incoming text without direction marks and with Western digits (SPEC §10)."""
    return BIDI_MARKS.sub("", text).translate(_DIGITS)


def currency(code: str) -> str:
    """An ISO 4217 code Babel knows, upper-cased; anything else is refused, naming the code."""
    upper = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", upper) or not is_currency(upper):
        raise InvalidInput(
            N_("Unknown currency code “{value}”: use an ISO 4217 code such as USD, EUR or LBP."), value=code
        )
    return upper


def parse_number(text: str, code: str) -> int:
    """The number in `text` (digits and separators only) as minor units of `code`."""
    digits = normalise(text).strip()
    if not re.fullmatch(NUMBER, digits):
        raise InvalidInput(N_("“{value}” is not an amount: write e.g. 450000, 450 000 or 450.000,50."), value=text)
    whole, fraction = digits, ""
    decimal_at = max(digits.rfind(mark) for mark in _DECIMAL)
    if decimal_at >= 0 and (digits[decimal_at] == "\u066b" or len(digits) - decimal_at - 1 < 3):
        whole, fraction = digits[:decimal_at], digits[decimal_at + 1 :]
    whole = re.sub(f"[{_GROUP}]", "", whole)
    precision = get_currency_precision(code)
    fraction = fraction.rstrip("0")
    if len(fraction) > precision:
        raise InvalidInput(
            N_("{value}: {currency} has at most {digits} decimals."), value=text, currency=code, digits=precision
        )
    minor = int(whole) * 10**precision + int((fraction or "0").ljust(precision, "0") or "0")
    if minor > MAX_MINOR:
        raise InvalidInput(N_("The amount {value} is too large."), value=text)
    if minor == 0:
        raise InvalidInput(N_("The amount must be more than zero, not {value}."), value=text)
    return minor


_MONEY = re.compile(rf"(?:(?P<pre>{CODE})\s*(?P<n1>{NUMBER})|(?P<n2>{NUMBER})\s*(?P<post>{CODE}))")


def parse_money(text: str) -> Money:
    """A whole amount with its code: `450000 USD`, `USD 450 000`, `٤٥٠٬٠٠٠ EUR`."""
    found = _MONEY.fullmatch(normalise(text).strip())
    if found is None:
        raise_bad_amount(text)
    code = currency(found["pre"] or found["post"])
    return Money(parse_number(found["n1"] or found["n2"], code), code)


def raise_bad_amount(text: str) -> None:
    """Refuse text that looks like an amount but is not one, naming what is wrong."""
    clean = normalise(text).strip()
    codes = re.findall(CODE, clean)
    if not codes:
        raise InvalidInput(N_("Give the currency of {value}: an ISO 4217 code such as USD or EUR."), value=text)
    number = _LOOSE.search(clean)
    if number is not None:
        parse_number(number.group().strip(), currency(codes[0]))
    raise InvalidInput(N_("“{value}” is not an amount: write e.g. 450000, 450 000 or 450.000,50."), value=text)


_TAIL = re.compile(rf"(?:^|\s)(?:(?P<pre>[A-Z]{{3}})\s*(?P<n1>{NUMBER})|(?P<n2>{NUMBER})\s*(?P<post>{CODE}))\s*$")
_BARE_TAIL = re.compile(rf"(?:^|\s)(?P<n>{NUMBER}|[\d{_GROUP}{_DECIMAL}]*\d)\s*$")
_LOOSE_TAIL = re.compile(rf"(?:^|\s)(?P<n>[\d{_GROUP}{_DECIMAL}]*\d)\s*(?P<code>{CODE})\s*$")


def split_amount(text: str) -> tuple[str, Money | None]:
    """`Technical survey of sector 4 450000 USD` → (`Technical survey of sector 4`, 450000 USD).

    The amount is the last thing in `text`. A lower-case word after a number that is no
    currency (`train 200 men`) is part of the text; a bare number of four digits or more,
    or with separators, is taken for an amount without its currency and refused."""
    clean = normalise(text).strip()
    found = _TAIL.search(clean)
    if found is not None:
        code = found["pre"] or found["post"]
        if found["post"] is None or is_currency(code.upper()) or code.isupper():
            code = currency(code)
            minor = parse_number(found["n1"] or found["n2"], code)
            return clean[: found.start()].strip(), Money(minor, code)
    loose = _LOOSE_TAIL.search(clean)
    if loose is not None and (loose["code"].isupper() or is_currency(loose["code"].upper())):
        raise_bad_amount(loose.group().strip())
    bare = _BARE_TAIL.search(clean)
    if bare is not None and (len(re.sub(r"\D", "", bare["n"])) >= 4 or re.search(r"\D", bare["n"])):
        raise_bad_amount(bare["n"])
    return clean, None


_HEAD = re.compile(rf"^(?:(?P<pre>{CODE})\s*(?P<n1>{NUMBER})|(?P<n2>{NUMBER})\s*(?P<post>{CODE}))(?=\s|$)")


def split_leading(text: str) -> tuple[Money, str]:
    """`200000 USD by 2027-03-31 first tranche` → (200000 USD, `by 2027-03-31 first tranche`)."""
    clean = normalise(text).strip()
    found = _HEAD.match(clean)
    if found is None:
        raise_bad_amount(clean.split(" by ")[0] if clean else text)
    code = currency(found["pre"] or found["post"])
    return Money(parse_number(found["n1"] or found["n2"], code), code), clean[found.end() :].strip()
