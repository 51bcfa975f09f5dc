"""A search over every module of the project that gives the same answer in demand-driven mode as when every
file is parsed: the modules parsed already are read at once, and a module not parsed yet
(`ModuleFacts.pending`) is parsed when a search names words that are all among its words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routeguard_lint.facts.extract import ModuleFacts
    from routeguard_lint.project.index import Index


class ModuleScan:
    """Hands every module of the project that may hold what a search looks for to `add`, once each: the parsed
    ones when the first search starts, a placeholder when a search's words are all among its words (which
    parses it). Which files happen to be parsed then does not change the answers."""

    def __init__(self, index: Index, add: Callable[[ModuleFacts], None]) -> None:
        self.index = index
        self._add = add
        self._pending: list[tuple[str, frozenset[str]]] | None = None  # modules not parsed yet, with their words
        self._opened: set[str] = set()
        self._unreadable: set[str] = set()

    def open(self, *words: str) -> bool:
        """Read every module that may hold something naming all of `words`. True when one of them could not be
        parsed: it may hold it too (unknown)."""
        if self._pending is None:
            self._pending = [(facts.module, frozenset(facts.words.split()))
                             for facts in self.index.modules if facts.pending]
            for facts in self.index.modules:
                if not facts.pending:
                    self._add(facts)
        asked: set[str] | None = getattr(self.index.by_name, "asked", None)  # see api.OnDemandModules.asked
        if asked is not None:
            asked.update(words)
        unreadable = False
        for module, held in self._pending:
            if not held.issuperset(words):
                continue
            if module not in self._opened:
                self._opened.add(module)
                parsed = self.index.module(module)
                if parsed is not None:
                    parsed.functions  # noqa: B018 - the read parses a placeholder
                if parsed is not None and not parsed.pending and not parsed.error:
                    self._add(parsed)
                else:
                    self._unreadable.add(module)
            unreadable = unreadable or module in self._unreadable
        return unreadable
