"""The error every layer raises for a setting a run cannot start from (a leaf module: no project imports)."""
from __future__ import annotations


class ConfigError(ValueError):
    """A configuration a run cannot start from; the message is a sentence meant for the user.
    `field` names the setting at fault when one does (the UI shows the message next to it)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
