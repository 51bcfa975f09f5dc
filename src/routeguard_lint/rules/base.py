"""The shape every rule module shares: its metadata and documentation live beside its check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str  # "RG001"
    name: str  # "unprotected-route"
    summary: str  # one line, for `routeguard rules` and SARIF shortDescription
    severity: str  # "error" | "warning" | "note"
    what: str  # What it finds (markdown)
    why: str  # Why it matters (markdown)
    example: str  # A bad example (python source)
    fix: str  # How to fix it (markdown, may contain a python block)
    fixable: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.code} {self.name}"

    def markdown(self) -> str:
        """The rule's documentation as markdown (SARIF help, `explain`, docs/rules.md)."""
        return (
            f"## {self.code} {self.name}\n\n{self.summary}\n\n"
            f"### What it finds\n\n{self.what.strip()}\n\n"
            f"### Why it matters\n\n{self.why.strip()}\n\n"
            f"### Example\n\n```python\n{self.example.strip()}\n```\n\n"
            f"### Fix\n\n{self.fix.strip()}\n"
        )
