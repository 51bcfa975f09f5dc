import sys

from .docs import rules_markdown

sys.stdout.write(rules_markdown())
