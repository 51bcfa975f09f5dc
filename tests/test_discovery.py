"""File discovery and module naming."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeguard_lint.files.discovery import DiscoveryError, discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def modules(files) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {f.display: (f.module, f.aliases) for f in files}


def test_plain_package_names_walk_up_through_init_files(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/__init__.py", "app/api/__init__.py", "app/api/users.py", "app/main.py")
    monkeypatch.chdir(tmp_path)
    found = modules(discover([Path("app")]))
    assert found["app/api/users.py"][0] == "app.api.users"
    assert "api.users" in found["app/api/users.py"][1]  # also relative to the given directory
    assert found["app/__init__.py"][0] == "app"
    assert found["app/main.py"][0] == "app.main"


def test_src_layout_and_namespace_packages(tmp_path: Path, monkeypatch) -> None:
    # src/ layout with a namespace package (no __init__.py anywhere)
    touch(tmp_path, "src/myproj/api/routes.py", "src/myproj/main.py")
    monkeypatch.chdir(tmp_path)
    found = modules(discover([Path(".")]))
    module, aliases = found["src/myproj/api/routes.py"]
    assert "myproj.api.routes" in (module, *aliases)
    assert "src.myproj.api.routes" in (module, *aliases)


def test_a_file_given_directly(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "service/__init__.py", "service/main.py", "service/other.py")
    monkeypatch.chdir(tmp_path)
    files = discover([Path("service/main.py")])
    assert [(f.display, f.module) for f in files] == [("service/main.py", "service.main")]


def test_skipped_directories(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py", ".git/hooks/x.py", ".venv/lib/x.py", "venv/x.py", "node_modules/x.py",
          "build/x.py", "dist/x.py", ".tox/x.py", ".nox/x.py", "__pycache__/x.py", "lib/site-packages/x.py",
          "custom-env/pyvenv.cfg", "custom-env/lib/x.py", "pkg.egg-info/x.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([Path(".")])] == ["app/main.py"]


def test_excludes_match_paths_and_names(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py", "app/generated/models.py", "tests/test_app.py", "app/settings_local.py")
    monkeypatch.chdir(tmp_path)
    found = [f.display for f in discover([Path(".")], excludes=("app/generated", "tests", "*_local.py"))]
    assert found == ["app/main.py"]


def test_paths_are_posix_relative_and_sorted(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "b.py", "a/z.py", "a/b.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([tmp_path])] == ["a/b.py", "a/z.py", "b.py"]


def test_the_same_file_given_twice_is_analysed_once(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([Path("app"), Path("app/main.py"), Path(".")])] == ["app/main.py"]


def test_missing_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DiscoveryError, match="path does not exist: nope"):
        discover([Path("nope")])
