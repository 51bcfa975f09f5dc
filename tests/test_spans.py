"""Exact spans: RG004/5/6/7/9/10 point at the offending expression (issue 11), in JSON, GitHub annotations
and SARIF regions alike."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from cli_helpers import check_json, cli, write

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop"


def highlighted(root: Path, finding: dict) -> str:
    lines = (root / finding["path"]).read_text(encoding="utf-8").splitlines()
    first, last = finding["line"], finding["end_line"]
    if first == last:
        return lines[first - 1][finding["column"] - 1:finding["end_column"] - 1]
    body = [lines[first - 1][finding["column"] - 1:], *lines[first:last - 1],
            lines[last - 1][:finding["end_column"] - 1]]
    return "\n".join(body)


def test_the_example_app_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    _, data = check_json(EXAMPLE, monkeypatch, "--no-cache")
    spans = {f["rule_id"]: highlighted(EXAMPLE, f) for f in data["findings"]
             if f["rule_id"] in ("RG004", "RG005", "RG006", "RG007", "RG009", "RG010")}
    assert spans == {
        "RG004": '"reports-2024"',  # the literal
        "RG005": "x_api_key != settings.ADMIN_API_KEY",  # the comparison
        "RG006": 'raise HTTPException(status_code=401, detail="Bad report token")',  # the raise
        "RG007": 'return {"error": "Not allowed"}',  # the return
        "RG009": 'Security(get_current_user, scopes=["reports:publish"])',  # the Security(...) call
        "RG010": 'jwt.decode(x_partner_token, options={"verify_signature": False})',  # the jwt.decode call
    }


APP = '''\
from fastapi import Depends, FastAPI, Header, HTTPException
import secrets

app = FastAPI()
API_KEY = "k-123"


def verify(x_api_key: str = Header()):
    if not secrets.compare_digest(x_api_key, "caf\u00e9-k\u00e9y"):
        raise HTTPException(
            status_code=401,
            detail="bad key",
        )
    return x_api_key


@app.get("/items", dependencies=[Depends(verify)])
def items():
    return []
'''


def test_multi_line_raise_and_non_ascii_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": APP})
    _, data = check_json(tmp_path, monkeypatch, "--no-cache")
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    rg004, rg006 = by_rule["RG004"], by_rule["RG006"]
    assert highlighted(tmp_path, rg004) == '"caf\u00e9-k\u00e9y"'
    assert (rg004["line"], rg004["column"], rg004["end_column"]) == (9, 46, 56)  # code points, not bytes
    assert (rg006["line"], rg006["column"], rg006["end_line"], rg006["end_column"]) == (10, 9, 13, 10)
    raised = highlighted(tmp_path, rg006)
    assert raised.startswith("raise HTTPException(") and raised.endswith(")")
    _, out, _ = cli("check", "--format", "github", "--no-cache", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "file=main.py,line=10,col=9,endLine=13,endColumn=10,title=RG006" in out
    _, out, _ = cli("check", "--format", "sarif", "--no-cache", cwd=tmp_path, monkeypatch=monkeypatch)
    results = json.loads(out)["runs"][0]["results"]
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in results}
    assert regions["RG006"] == {"startLine": 10, "startColumn": 9, "endLine": 13, "endColumn": 10}
    assert regions["RG004"] == {"startLine": 9, "startColumn": 46, "endLine": 9, "endColumn": 56}


def test_a_file_changed_under_the_rule_falls_back_to_the_line(tmp_path: Path) -> None:
    from routeguard_lint.rules import _span

    class FakeGraph:
        pass

    (tmp_path / "x.py").write_text(textwrap.dedent("""\
        def f(:
            return 1
    """))
    graph = FakeGraph()
    assert _span.return_statement(graph, str(tmp_path / "x.py"), 2) == _span.Span(2, 5, 2, 13)  # unparsable
    assert _span.return_statement(graph, str(tmp_path / "missing.py"), 2) == _span.Span(2, 1, 2, 2)
