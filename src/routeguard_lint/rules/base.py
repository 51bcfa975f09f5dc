"""The shape every rule module shares: its metadata and documentation live beside its check.

`RULE = Rule(...)` is written with literal keyword arguments only (strings, numbers, tuples): the registry
(`rules/__init__.py`) reads it from the module's source without importing the module, so that `routeguard
rules`, `explain` and the SARIF rule descriptors never load the analysis (or LibCST) a check needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# when a rule runs: "graph" (on the route graph, before inline suppressions are applied) or
# "after-suppression" (rules that judge the suppressions themselves)
PHASES = ("graph", "after-suppression")

# `# file: NAME` opens another file of a multi-file example (a configuration file beside the code, say)
_FILE_HEADER = re.compile(r"^# file: (?P<name>\S+)[ \t]*$", re.MULTILINE)
_LANGUAGES = {".py": "python", ".toml": "toml", ".cfg": "ini", ".ini": "ini"}

# SARIF `precision` (how often a finding of the rule is right), GitHub code scanning's scale
PRECISIONS = ("very-high", "high", "medium", "low")
# The titles of the CWE entries the rules name (docs only: a CWE missing here is shown by its number alone)
CWE_TITLES = {
    208: "Observable Timing Discrepancy",
    287: "Improper Authentication",
    306: "Missing Authentication for Critical Function",
    347: "Improper Verification of Cryptographic Signature",
    598: "Use of GET Request Method With Sensitive Query Strings",
    636: "Not Failing Securely ('Failing Open')",
    798: "Use of Hard-coded Credentials",
    862: "Missing Authorization",
}


def example_files(example: str) -> dict[str, str]:
    """The files of a documented example, by name: `main.py` for one without `# file:` headers."""
    text = example.strip("\n")
    headers = list(_FILE_HEADER.finditer(text))
    if not headers or text[: headers[0].start()].strip():
        return {"main.py": text + "\n"}
    files: dict[str, str] = {}
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        files[header.group("name")] = text[header.end():end].strip("\n") + "\n"
    return files


def _example_markdown(example: str) -> str:
    files = example_files(example)
    if list(files) == ["main.py"]:
        return f"```python\n{files['main.py']}```\n"
    return "\n".join(f"`{name}`:\n\n```{_LANGUAGES.get(name[name.rfind('.'):], '')}\n{text}```\n"
                     for name, text in files.items())


@dataclass(frozen=True)
class Rule:
    code: str  # "RG001"
    name: str  # "unprotected-route"
    summary: str  # one line, for `routeguard rules` and SARIF shortDescription
    severity: str  # one of model.SEVERITIES: "error" | "warning" | "note"
    what: str  # What it finds (markdown)
    why: str  # Why it matters (markdown)
    # A bad example: a whole small app the rule reports (tests/test_rule_docs.py runs it); `# file: NAME`
    # lines split it into several files.
    example: str
    fix: str  # How to fix it (markdown, may contain a python block)
    # The same app written correctly: the rule reports nothing on it (also run by the tests).
    good: str = ""
    # For code scanning (SARIF): the weaknesses (CWE ids) a finding is an instance of; GitHub's
    # security-severity (0.0-10.0: critical from 9.0, high from 7.0, medium from 4.0); and how often a finding
    # is right (one of PRECISIONS). A rule that is not about a weakness in the analysed code (a file that could
    # not be read, configuration hygiene, a protocol defect) has no CWE and no security-severity.
    cwe: tuple[int, ...] = ()
    security_severity: float | None = None
    precision: str = "high"

    @property
    def full_name(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def fixable(self) -> bool:
        """Whether the rule has a safe autofix (a `fix` function beside its check). Read from the source, as
        the metadata is: nothing is imported."""
        from routeguard_lint.rules import has_fix

        return has_fix(self.code)

    def markdown(self) -> str:
        """The rule's documentation as markdown (SARIF help, `explain`, docs/rules.md)."""
        good = ""
        if self.good.strip():
            good = (f"The same code, written so that {self.code} has nothing to report:\n\n"
                    f"{_example_markdown(self.good)}\n")
        weakness = ""
        if self.cwe:
            weakness = "Weakness: " + "; ".join(
                f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)"
                + (f" {CWE_TITLES[n]}" if n in CWE_TITLES else "") for n in self.cwe) + ".\n\n"
        return (
            f"## {self.code} {self.name}\n\n{self.summary}\n\n{weakness}"
            f"### What it finds\n\n{self.what.strip()}\n\n"
            f"### Why it matters\n\n{self.why.strip()}\n\n"
            f"### Example\n\n{_example_markdown(self.example)}\n{good}"
            f"### Fix\n\n{self.fix.strip()}\n"
        )
