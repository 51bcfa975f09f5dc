"""Pytest configuration shared by the test suite."""

from __future__ import annotations

import pytest

# The fixture apps under tests/fixtures/ (and tests/fix_fixtures/, for the autofixes) are inputs, not tests.
collect_ignore_glob = ["fixtures/*", "fix_fixtures/*"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite tests/snapshots/ from what routeguard reports now (then review `git diff`)")


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the snapshots instead of comparing with them (`--update-snapshots`)."""
    return bool(request.config.getoption("--update-snapshots"))
