"""`python -m routeguard_lint.rules`: docs/rules.md on stdout; `--write [ROOT]`: regenerate docs/rules.md and
README.md's rule table in the project at ROOT (default: the current directory)."""

import sys
from pathlib import Path

from routeguard_lint.rules.docs import rules_markdown, write

if sys.argv[1:2] == ["--write"]:
    for path in write(Path(sys.argv[2] if len(sys.argv) > 2 else ".")):
        sys.stderr.write(f"wrote {path}\n")
else:
    sys.stdout.write(rules_markdown())
