"""Roles of a Country Coalition (SPEC §1, §3)."""

from __future__ import annotations

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
