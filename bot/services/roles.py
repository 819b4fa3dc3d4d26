"""Roles of a Country Coalition (SPEC §1, §3)."""

from __future__ import annotations

import unicodedata

from bot.i18n import N_

ROLES: tuple[str, ...] = (
    "national_authority",
    "champion_donor",
    "donor",
    "operator",
    "facilitator",
    "secretariat",
    "observer",
)
OPEN_ROLES = frozenset({"operator", "donor", "observer"})
"""Roles anyone may take by joining; the others need a manager's approval."""
MANAGER_ROLES = frozenset({"national_authority", "facilitator", "secretariat"})
"""Roles that manage the coalition (Telegram group administrators manage it too)."""
AUTHORITY = frozenset({"national_authority"})
"""Who receives the national authority's messages (action-point drafts and digests, deadline alerts)."""

ROLE_NAMES: dict[str, str] = {
    "national_authority": N_("national authority"),
    "champion_donor": N_("champion donor"),
    "donor": N_("donor"),
    "operator": N_("operator"),
    "facilitator": N_("facilitator"),
    "secretariat": N_("secretariat"),
    "observer": N_("observer"),
}
ROLE_HEADINGS: dict[str, str] = {
    "national_authority": N_("National authority"),
    "champion_donor": N_("Champion donors"),
    "donor": N_("Donors"),
    "operator": N_("Operators"),
    "facilitator": N_("Facilitators"),
    "secretariat": N_("Secretariat"),
    "observer": N_("Observers"),
}
"""Roles as headings of the member list (SPEC §3 `/members`)."""

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "national_authority": ("national authority", "autorité nationale", "الهيئة الوطنية"),
    "champion_donor": ("champion donor", "donateur chef de file", "donatrice chef de file", "الجهة المانحة الرائدة"),
    "donor": ("donor", "donateur", "donatrice", "الجهة المانحة", "مانح"),
    "operator": ("operator", "opérateur", "opératrice", "الجهة المنفذة", "منفذ"),
    "facilitator": ("facilitator", "facilitateur", "facilitatrice", "الميسّر", "الميسّرة"),
    "secretariat": ("secretariat", "secrétariat", "الأمانة"),
    "observer": ("observer", "observateur", "observatrice", "مراقب", "مراقبة"),
}
"""The glossary's names of each role (and feminine forms), typed in /join, /role and /action."""
MAX_ROLE_WORDS = 4


def _plain(text: str) -> str:
    """Compared without case, accents, harakat, underscores or the Arabic article."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("_", " "))
    words = "".join(c for c in decomposed if not unicodedata.combining(c)).split()
    return " ".join(word.removeprefix("ال") if len(word) > 3 else word for word in words)


def read_role(words: list[str]) -> tuple[str, list[str]] | None:
    """The role named by the first word(s) — its key or its name in en, fr or ar — and the
    words after it; None when the words do not start with a role."""
    names = {_plain(key): key for key in ROLES}
    names.update({_plain(name): key for key, options in ROLE_WORDS.items() for name in options})
    for length in range(min(len(words), MAX_ROLE_WORDS), 0, -1):
        role = names.get(_plain(" ".join(words[:length])))
        if role is not None:
            return role, words[length:]
    return None


ROLE_LIST = tuple(ROLE_NAMES[role] for role in ROLES)
"""The role names (untranslated), for the refusals that list them."""
