"""The encrypted key mapping between participants' names and their numbers.

A small library of its own: it knows nothing about NLP. Built out in its own issue.
"""

from __future__ import annotations


class VaultError(Exception):
    """The one exception the vault raises; carries a reason code, never a name."""
