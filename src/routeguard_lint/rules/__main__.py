import sys

from routeguard_lint.rules.docs import rules_markdown

sys.stdout.write(rules_markdown())
