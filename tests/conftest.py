"""Pytest configuration shared by the test suite."""

from __future__ import annotations

# The fixture apps under tests/fixtures/ (and tests/fix_fixtures/, for the autofixes) are inputs, not tests.
collect_ignore_glob = ["fixtures/*", "fix_fixtures/*"]
