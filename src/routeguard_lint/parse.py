"""Reading and parsing one file: the only module that calls LibCST's parser.

A file that cannot be read, decoded or parsed raises `ParseFailure` with the best line/column we can
name; the caller turns it into an RG000 finding. Nothing here executes or imports the file.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize

import libcst as cst

MAX_BYTES = 5_000_000  # larger files are reported as RG000 "too large", not parsed
# LibCST's parser and our visitors recurse; very deep nesting is reported instead of crashing.
RECURSION_LIMIT = 20_000


class ParseFailure(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.column = max(1, column)


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def decode(data: bytes) -> str:
    """Decode source bytes as Python does (BOM, PEP 263 coding cookie, UTF-8 default)."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseFailure("file contains NUL bytes (binary file named .py?)", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown encoding in the cookie, or BOM + non-utf8 cookie
        line = 1
        for i, raw in enumerate(data.splitlines()[:2], 1):
            if _COOKIE.match(raw):
                line = i
        raise ParseFailure(f"cannot decode: {exc}", line) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data[:start].count(b"\n") + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise ParseFailure(f"cannot decode as {encoding}: {getattr(exc, 'reason', exc)}", line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_text(text: str) -> cst.Module:
    """Parse decoded source with LibCST, converting every failure into ParseFailure."""
    old = sys.getrecursionlimit()
    if old < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
        # CPython's parser names the offending line more precisely; ask it only on failure.
        try:
            ast.parse(text)
        except SyntaxError as syn:
            line, column = syn.lineno or line, syn.offset or column
            message = syn.msg or message
        except (RecursionError, MemoryError, ValueError):
            pass
        raise ParseFailure(f"syntax error: {message}", line, column) from None
    except RecursionError:
        raise ParseFailure("file is nested too deeply to analyse") from None
    except MemoryError:
        raise ParseFailure("file is too large to analyse") from None
    except Exception as exc:  # LibCST can raise other errors on inputs it does not support
        raise ParseFailure(f"parser failed: {type(exc).__name__}: {exc}") from None
    finally:
        if old < RECURSION_LIMIT:
            sys.setrecursionlimit(old)
