"""benchmarks/runtime_inventory.py builds the same inventory whether the installed FastAPI copies included routes
into `app.routes` (< 0.137) or keeps one `_IncludedRouter` per include (>= 0.137): its self-test app nests
includes, include-level dependencies, mounts, a Host sub-app and a websocket, and checks every path and scheme."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "runtime_inventory.py"


@pytest.mark.slow  # imports FastAPI in a subprocess
def test_runtime_inventory_self_test_passes_with_the_installed_fastapi() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--self-test"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "self-test: ok" in proc.stderr
