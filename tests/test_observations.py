"""The records a missing-credential walk keeps besides its exits (auth/observations.py): each kind's rule says
whether the records of a followed call become the caller's, and how a key recorded again combines."""

from __future__ import annotations

from routeguard_lint.auth.missing_credential import AV, NARROWED, PATH_TESTS, PEER, STORED, join
from routeguard_lint.auth.observations import Follow, Kind, Observations
from routeguard_lint.routes.middleware import PathTest

CALLS: Kind[str, int] = Kind("calls", Follow.ALWAYS)


def test_followed_records_by_rule() -> None:
    caller, callee = Observations(), Observations()
    callee.note(PATH_TESTS, (PathTest.STARTS, ("/public/",)))
    callee.mark(PEER)
    callee.mark(NARROWED)
    rejecting = Observations()
    rejecting.mark(PEER)
    caller.merge_followed(rejecting, passes=False)
    assert not caller.has(PEER)  # a call that rejects the request: what it read of the address decides nothing
    caller.merge_followed(callee, passes=True)
    assert list(caller.of(PATH_TESTS)) == [(PathTest.STARTS, ("/public/",))]
    assert caller.has(PEER)
    assert not caller.has(NARROWED)  # of the callee's own walk
    assert not caller.has(STORED) and caller.get(STORED, ("state", "user")) is None and not caller.of(STORED)


def test_a_key_recorded_again_is_replaced_or_joined() -> None:
    caller, callee = Observations(), Observations()
    caller.add(CALLS, "a", 1)
    caller.add(CALLS, "b", 2)
    callee.add(CALLS, "a", 3)
    caller.merge_followed(callee, passes=False)
    assert dict(caller.of(CALLS)) == {"a": 3, "b": 2}  # the later value, in the order first recorded
    user, none = AV("obj", None, True), AV("none")
    caller.add(STORED, ("state", "user"), user)
    callee.add(STORED, ("state", "user"), none)
    caller.merge_followed(callee, passes=True)
    assert caller.get(STORED, ("state", "user")) == join(user, none)
    assert callee.get(STORED, ("state", "user")) == none  # the callee's records are not changed by the merge
