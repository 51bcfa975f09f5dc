"""Snapshot files: what routeguard reports, pinned as readable text under tests/snapshots/, as ruff pins its
diagnostics with insta. `pytest --update-snapshots` rewrites them; review the change with `git diff`."""

from __future__ import annotations

import difflib
from pathlib import Path

SNAPSHOTS_DIR = Path(__file__).resolve().parent / "snapshots"
UPDATE_HINT = "if the change is intended: pytest tests/test_snapshots.py --update-snapshots, then review `git diff`"


def assert_snapshot(name: str, actual: str, *, update: bool) -> None:
    """`actual` equals the snapshot `tests/snapshots/<name>`; with `update`, it becomes the snapshot."""
    path = SNAPSHOTS_DIR / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != actual:
            path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path.relative_to(SNAPSHOTS_DIR.parent)}; {UPDATE_HINT}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            fromfile=f"snapshot {name}", tofile="reported now"))
        raise AssertionError(f"{name} differs from its snapshot ({UPDATE_HINT}):\n{diff}")
