"""What a walk of the missing-credential analysis observes besides its exits: one container, `Observations`, keyed
by kinds declared once each (`Kind`), with the rule that says whether a kind's records of a followed call become
the caller's (`Follow`).

A walk (`auth.missing_credential._Walk`) records what it meets under a kind (`Observations.add`, `.mark`); when it
follows a call into project code, it takes the callee's records of every kind whose rule says so
(`Observations.merge_followed`). The readers (the judgement, the node facts) ask the container for a kind
(`Observations.of`, `.get`, `.has`). A new mechanism that needs the walk to observe something declares one `Kind`
(beside `auth.missing_credential.Outcome`, where the kinds are) and records it: no field to add to the outcome, no
copy to write where outcomes meet.

Each kind holds its records as a dict from a key to a value, in the order they were first recorded: a set is a kind
whose values are None (`Kind[PathKey, None]`), a flag one whose only key is None (`Kind[None, None]`). A key
recorded again takes the new value, or the kind's `join` of the value it held and the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Generic, TypeVar, cast

K = TypeVar("K")
V = TypeVar("V")


class Follow(Enum):
    """Whether the records of a call the walk follows into become the caller's."""

    ALWAYS = "always"  # whatever the call does with the request
    PASSING = "passing"  # only when the call lets the request through (it has an exit)
    NEVER = "never"  # an observation of the walk of one function itself


@dataclass(frozen=True, eq=False, slots=True)
class Kind(Generic[K, V]):
    """One kind of observation: its records map a `K` to a `V` (None for a set, key and value None for a flag).
    `join`: how a value recorded again under the same key combines with the one held (None: the new one replaces
    it)."""

    name: str
    follow: Follow
    join: Callable[[V | None, V], V] | None = None

    def __repr__(self) -> str:
        return f"Kind({self.name})"


_EMPTY: Mapping[object, object] = MappingProxyType({})  # of a kind never recorded


class Observations:
    """The records of one walk (and of the calls it followed, as their kinds' `Follow` says), by kind."""

    __slots__ = ("_kinds",)

    def __init__(self) -> None:
        # by `Kind`: only the kinds recorded at least once (an outcome most often records nothing)
        self._kinds: dict[object, dict[object, object]] = {}

    def __eq__(self, other: object) -> bool:  # (so that `Outcome`'s dataclass equality compares the records)
        return isinstance(other, Observations) and self._kinds == other._kinds

    def __repr__(self) -> str:
        return f"Observations({ {repr(kind): records for kind, records in self._kinds.items()} })"

    def add(self, kind: Kind[K, V], key: K, value: V) -> None:
        """Record `value` under `key` (joined with what `key` held, when the kind joins)."""
        records = self._kinds.get(kind)
        if records is None:
            records = self._kinds[kind] = {}
        if kind.join is not None:
            value = kind.join(cast("V | None", records.get(key)), value)
        records[key] = value

    def note(self, kind: Kind[K, None], key: K) -> None:
        """Record `key` in a kind that is a set."""
        records = self._kinds.get(kind)
        if records is None:
            records = self._kinds[kind] = {}
        records[key] = None

    def mark(self, kind: Kind[None, None]) -> None:
        """Set a flag."""
        if kind not in self._kinds:
            self._kinds[kind] = {None: None}

    def of(self, kind: Kind[K, V]) -> Mapping[K, V]:
        """The records of `kind`, in the order first recorded (read only: record with `add`, `note`, `mark`)."""
        return cast("Mapping[K, V]", self._kinds.get(kind, _EMPTY))

    def get(self, kind: Kind[K, V], key: K) -> V | None:
        """The value recorded under `key`, None when none is."""
        records = self._kinds.get(kind)
        return None if records is None else cast("V | None", records.get(key))

    def has(self, kind: Kind[K, V]) -> bool:
        """Whether anything was recorded under `kind` (of a flag: whether it is set)."""
        return kind in self._kinds

    def merge_followed(self, other: Observations, passes: bool) -> None:
        """Take the records of the walk of a call this walk followed whose kind says so (`passes`: the call lets the
        request through)."""
        for key, records in other._kinds.items():
            kind = cast("Kind[object, object]", key)
            if kind.follow is Follow.NEVER or (kind.follow is Follow.PASSING and not passes):
                continue
            mine = self._kinds.get(kind)
            if mine is None:
                self._kinds[kind] = dict(records)
            elif kind.join is None:
                mine.update(records)
            else:
                for item, value in records.items():
                    mine[item] = kind.join(mine.get(item), value)


__all__ = ["Follow", "Kind", "Observations"]
