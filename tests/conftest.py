"""Pytest configuration shared by the test suite."""

from __future__ import annotations

# The fixture apps under tests/fixtures/ are inputs for the analyzer and the oracle, not tests.
collect_ignore_glob = ["fixtures/*"]
