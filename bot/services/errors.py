"""Errors the user must be told about.

Services raise them with an untranslated message (marked with `N_` for extraction) and the
offending values; the views translate the message for each reader and fill in the values.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user did that the bot refuses; nothing has been stored."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


class Words(tuple):
    """A list of untranslated messages (`N_`) given as one value of a `UserError`: the view
    translates each and joins them the reader's way (role names in "Roles: …")."""


class InvalidInput(UserError):
    """A value the user typed is malformed or out of range."""


class NotAllowed(UserError):
    """The user lacks the role or rights for this action."""


class NotFound(UserError):
    """What the user named does not exist (in this coalition)."""
