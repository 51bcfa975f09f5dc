"""The LibCST half of `extract`: converting expressions into `ir` and walking a parsed module.

Kept apart from the fact types (extract.py) so that importing those does not import LibCST: the CLI's
`--version`, `rules` and `explain`, and a run whose facts all come from the cache, never load the parser.
"""

from __future__ import annotations

import re
import threading
from ast import literal_eval
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import ClassVar, overload

import libcst as cst

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import (
    CASE_MARKER,
    LOOP_MARKER,
    MAX_IR_DEPTH,
    YIELD_BIND,
    AssignedIn,
    AttrWrite,
    Bind,
    CallSite,
    ClassDef,
    CompareSite,
    CredentialRead,
    Decorator,
    Effect,
    Func,
    ImportRef,
    ItemWrite,
    LoopVar,
    ModuleFacts,
    OverrideWrite,
    Param,
    Raise,
    Return,
    is_marker,
    try_marker,
)
from routeguard_lint.parsing.source import line_breaks, parse_annotation

# the mapping of an app FastAPI reads at request time for the replacement of each dependency (see OverrideWrite)
OVERRIDES = "dependency_overrides"

# ----------------------------------------------------------------------------------------- conversion

_BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.Modulo: "%",
    cst.BitOr: "|", cst.BitAnd: "&", cst.FloorDivide: "//", cst.Power: "**", cst.MatrixMultiply: "@",
    cst.LeftShift: "<<", cst.RightShift: ">>", cst.BitXor: "^",
}
# methods of the builtin containers that change the object they are called on
_CHANGES_IN_PLACE = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "update", "add", "discard",
                               "setdefault", "popitem", "sort", "reverse"})

_AUGOPS = {
    cst.AddAssign: "+", cst.SubtractAssign: "-", cst.MultiplyAssign: "*", cst.DivideAssign: "/",
    cst.ModuloAssign: "%", cst.BitOrAssign: "|", cst.BitAndAssign: "&", cst.FloorDivideAssign: "//",
}
_CMPOPS = {
    cst.Equal: "==", cst.NotEqual: "!=", cst.Is: "is", cst.IsNot: "is not", cst.In: "in",
    cst.NotIn: "not in", cst.LessThan: "<", cst.LessThanEqual: "<=", cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
}


_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERAL_PREFIXES = {"": str, "r": str, "u": str, "b": bytes, "br": bytes, "rb": bytes}


def _literal(text: str) -> str | bytes:
    """The value of a string literal's source text, as `ast.literal_eval` gives it (and raises as it does).
    Most literals hold no backslash: their value is the text between the quotes (raw or not), read here
    without compiling the literal (which `literal_eval` does, at a fifth of the facts walk)."""
    quote = text.find('"')
    single = text.find("'")
    if quote < 0 or 0 <= single < quote:
        quote = single
    kind = _LITERAL_PREFIXES.get(text[:quote].lower()) if quote >= 0 else None
    if kind is not None and "\r" not in text:
        width = 3 if text.startswith(text[quote] * 3, quote) and len(text) >= quote + 6 else 1
        inner = text[quote + width:len(text) - width]
        if text.endswith(text[quote] * width) and (text[quote] * width) not in inner and "\\" not in inner:
            if inner.isascii():
                return inner if kind is str else inner.encode("ascii")
            if kind is str and not _SURROGATE.search(inner):  # Python cannot encode those: it raises
                return inner
    return literal_eval(text)


def _evaluated(node: cst.SimpleString) -> str | bytes | None:
    """A string literal's value; None when Python would not accept it (LibCST parses a little more)."""
    try:
        return _literal(node.value)
    except Exception:
        return None


def _string_value(node: cst.BaseExpression) -> str | None:
    kind = type(node)
    if kind is cst.SimpleString:
        value: object = _evaluated(node)  # type: ignore[arg-type]  # tested just above
    elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:
            return None
    else:
        return None
    return value if isinstance(value, str) else None


@overload
def to_ir(node: cst.CSTNode, line: int = 0, depth: int = 0) -> ir.Expr: ...
@overload
def to_ir(node: None, line: int = 0, depth: int = 0) -> None: ...
@overload
def to_ir(node: cst.CSTNode | None, line: int = 0, depth: int = 0) -> ir.Expr | None: ...


def to_ir(node: cst.CSTNode | None, line: int = 0, depth: int = 0) -> ir.Expr | None:
    """Convert a LibCST expression into the ir language (bounded depth)."""
    if node is None:
        return None
    if depth > MAX_IR_DEPTH:
        _CUTS[0] += 1
        return ir.Unknown("...")
    kind = type(node)
    convert = _CONVERTERS.get(kind) or _converter(kind)
    if kind in _MEMOISED:
        memo = _STATE.memo
        if memo is not None:
            return _memoised(memo, convert, node, line, depth)
    return convert(node, line, depth + 1)


MAX_FORWARD = 3  # string annotations read inside one another (`"Optional['User']"`)


def annotation_ir(node: cst.BaseExpression, line: int) -> ir.Expr:
    """An annotation as `typing.get_type_hints` (which FastAPI calls) reads it: a string in it is a forward
    reference, the expression it holds evaluated in the module (`user: "CurrentUser"`, `Optional["User"]`,
    `Annotated["User", Depends(current_user)]`'s type), except inside `Literal[...]` (values) and in
    `Annotated[...]`'s metadata (objects, not types). With `from __future__ import annotations` every
    annotation is such a string, written unquoted: the same expression."""
    return _forward(to_ir(node, line), line, 0)


def _forward(expr: ir.Expr, line: int, depth: int) -> ir.Expr:
    if isinstance(expr, ir.Str):
        parsed = parse_annotation(expr.value) if depth < MAX_FORWARD else None
        return expr if parsed is None else _forward(to_ir(parsed, line), line, depth + 1)
    if isinstance(expr, ir.Sub) and expr.index:
        head = (ir.dotted(expr.value) or "").rpartition(".")[2]
        if head == "Literal":
            return expr
        if head == "Annotated":
            return ir.Sub(expr.value, (_forward(expr.index[0], line, depth), *expr.index[1:]))
        return ir.Sub(expr.value, tuple(_forward(i, line, depth) for i in expr.index))
    if isinstance(expr, ir.BinOp) and expr.op == "|":
        return ir.BinOp("|", _forward(expr.left, line, depth), _forward(expr.right, line, depth))
    if isinstance(expr, ir.Seq):  # `Callable[["Request"], "User"]`'s arguments
        return ir.Seq(expr.kind, tuple(_forward(i, line, depth) for i in expr.items))
    return expr


class _State(threading.local):
    # during a walk (`_Collector.walk`): (id of a node, line) -> (its conversion, the depth it was made at)
    memo: dict[tuple[int, int], tuple[ir.Expr, int]] | None = None


_STATE = _State()
_CUTS = [0]  # conversions cut at MAX_IR_DEPTH so far, in any thread (only ever grows)
# The walk converts a call again for every hook that meets it: the statement (`x = f(g())`, `await f()`),
# each call inside it, a decorator and its call, an `if`'s test for its body and its `else` and the
# comparison in it... (two conversions in five on dispatch). These types' conversions are remembered.
_MEMOISED = frozenset({cst.Call, cst.Comparison})


def _memoised(memo: dict[tuple[int, int], tuple[ir.Expr, int]], convert: _Converter, node: cst.CSTNode,
              line: int, depth: int) -> ir.Expr:
    """`convert`'s value for `node`, reused when this walk made it before for the same line at this depth
    or deeper without cutting anything (so nothing is cut from this depth either: the same value)."""
    key = (id(node), line)
    found = memo.get(key)
    if found is not None and depth <= found[1]:
        return found[0]
    cuts = _CUTS[0]
    value = convert(node, line, depth + 1)
    if _CUTS[0] == cuts:
        memo[key] = (value, depth)
    return value


# One converter per node type (`d` is the depth of the node's children), found by the node's type: LibCST's
# classes are abstract-base-class instances, and a chain of `isinstance` tests cost a microsecond each.
_Converter = Callable[[cst.CSTNode, int, int], ir.Expr]
_CONSTANTS = {"None": ir.Const(None), "True": ir.Const(True), "False": ir.Const(False)}


def _name(node: cst.Name, line: int, d: int) -> ir.Expr:
    value = node.value
    return _CONSTANTS.get(value) or ir.Name(value)


def _attribute(node: cst.Attribute, line: int, d: int) -> ir.Expr:
    return ir.Attr(to_ir(node.value, line, d), node.attr.value)


def _simple_string(node: cst.SimpleString, line: int, d: int) -> ir.Expr:
    value = _evaluated(node)
    if isinstance(value, str):
        return ir.Str(value)
    return ir.Const(value if isinstance(value, bytes) else b"")  # a bytes literal keeps its value


def _concatenated(node: cst.ConcatenatedString, line: int, d: int) -> ir.Expr:
    left, right = to_ir(node.left, line, d), to_ir(node.right, line, d)
    if isinstance(left, ir.Str) and isinstance(right, ir.Str):
        return ir.Str(left.value + right.value)
    parts: list[str | ir.Expr] = []
    for side in (left, right):
        if isinstance(side, ir.FStr):
            parts.extend(side.parts)
        elif isinstance(side, ir.Str):
            parts.append(side.value)
        else:
            return ir.Unknown("<string>")
    return ir.FStr(tuple(parts))


def _formatted_string(node: cst.FormattedString, line: int, d: int) -> ir.Expr:
    parts: list[str | ir.Expr] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            parts.append(part.value.replace("{{", "{").replace("}}", "}"))
        elif isinstance(part, cst.FormattedStringExpression):
            parts.append(_formatted(part, line, d))
    return ir.FStr(tuple(parts))


def _integer(node: cst.Integer, line: int, d: int) -> ir.Expr:
    try:
        return ir.Const(int(node.value.replace("_", ""), 0))
    except ValueError:
        return ir.Const(0)


def _float(node: cst.CSTNode, line: int, d: int) -> ir.Expr:
    return ir.Const(0.0)


def _ellipsis(node: cst.CSTNode, line: int, d: int) -> ir.Expr:
    return ir.Const(...)


def _call(node: cst.Call, line: int, d: int) -> ir.Expr:
    args: list[ir.Expr] = []
    kwargs: list[tuple[str, ir.Expr]] = []
    for arg in node.args:
        argument = to_ir(arg.value, line, d)
        if arg.keyword is not None:
            kwargs.append((arg.keyword.value, argument))
        elif arg.star == "**":
            kwargs.append(("**", argument))
        elif arg.star == "*":
            args.append(ir.Star(argument))
        else:
            args.append(argument)
    return ir.Call(to_ir(node.func, line, d), tuple(args), tuple(kwargs), line, 0)


def _sequence(node: cst.List | cst.Tuple | cst.Set, line: int, d: int) -> ir.Expr:
    kind = "list" if isinstance(node, cst.List) else "tuple" if isinstance(node, cst.Tuple) else "set"
    items: list[ir.Expr] = []
    for el in node.elements:
        item = to_ir(el.value, line, d)
        items.append(ir.Star(item) if isinstance(el, cst.StarredElement) else item)
    return ir.Seq(kind, tuple(items))


def _dict(node: cst.Dict, line: int, d: int) -> ir.Expr:
    pairs: list[tuple[ir.Expr | None, ir.Expr]] = []
    for entry in node.elements:
        if isinstance(entry, cst.DictElement):
            pairs.append((to_ir(entry.key, line, d), to_ir(entry.value, line, d)))
        else:
            pairs.append((None, to_ir(entry.value, line, d)))
    return ir.DictE(tuple(pairs))


def _subscript(node: cst.Subscript, line: int, d: int) -> ir.Expr:
    index: list[ir.Expr] = []
    for element in node.slice:
        if isinstance(element.slice, cst.Index):
            index.append(to_ir(element.slice.value, line, d))
        else:  # a slice `x[a:b:c]` is `x[slice(a, b, c)]`
            sl = element.slice
            given = (sl.lower, sl.upper, sl.step) if isinstance(sl, cst.Slice) else (None, None, None)
            bounds = tuple(to_ir(part, line, d) if part is not None else ir.Const(None) for part in given)
            index.append(ir.Call(ir.Name("slice"), bounds, (), line, 0))
    return ir.Sub(to_ir(node.value, line, d), tuple(index))


def _binary(node: cst.BinaryOperation, line: int, d: int) -> ir.Expr:
    return ir.BinOp(_BINOPS.get(type(node.operator), "?"), to_ir(node.left, line, d), to_ir(node.right, line, d))


def _comparison(node: cst.Comparison, line: int, d: int) -> ir.Expr:
    ops = tuple(_CMPOPS.get(type(t.operator), "?") for t in node.comparisons)
    comps = tuple(to_ir(t.comparator, line, d) for t in node.comparisons)
    return ir.Compare(to_ir(node.left, line, d), ops, comps)


def _boolean(node: cst.BooleanOperation, line: int, d: int) -> ir.Expr:
    op = "and" if isinstance(node.operator, cst.And) else "or"
    values: list[ir.Expr] = []
    for operand in (node.left, node.right):
        converted = to_ir(operand, line, d)
        if isinstance(converted, ir.BoolOp) and converted.op == op:
            values.extend(converted.values)
        else:
            values.append(converted)
    return ir.BoolOp(op, tuple(values))


def _unary(node: cst.UnaryOperation, line: int, d: int) -> ir.Expr:
    if isinstance(node.operator, cst.Not):
        return ir.Not(to_ir(node.expression, line, d))
    inner = to_ir(node.expression, line, d)
    if isinstance(node.operator, cst.Minus) and isinstance(inner, ir.Const) and isinstance(inner.value, (int, float)):
        return ir.Const(-inner.value)
    return ir.Unknown("<unary>")


def _ends_in_jump(body: cst.BaseSuite) -> bool:
    """A block whose last statement is `break` or `continue`."""
    last: cst.CSTNode | None = body.body[-1] if body.body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    return isinstance(last, (cst.Break, cst.Continue))


def _main_test(test: ir.Expr) -> bool:
    """`__name__ == "__main__"` (either way round): the module runs as a script."""
    if not isinstance(test, ir.Compare) or test.ops != ("==",) or len(test.comparators) != 1:
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(a, ir.Name) and a.id == "__name__" and isinstance(b, ir.Str) and b.value == "__main__"
               for a, b in (sides, sides[::-1]))


def _if_exp(node: cst.IfExp, line: int, d: int) -> ir.Expr:
    return ir.IfExp(to_ir(node.test, line, d), to_ir(node.body, line, d), to_ir(node.orelse, line, d))


def _await(node: cst.Await, line: int, d: int) -> ir.Expr:
    return to_ir(node.expression, line, d)


def _named(node: cst.NamedExpr, line: int, d: int) -> ir.Expr:
    return to_ir(node.value, line, d)


def _lambda(node: cst.Lambda, line: int, d: int) -> ir.Expr:
    return ir.Unknown("lambda")


def _comprehension(node: cst.ListComp | cst.SetComp | cst.GeneratorExp, line: int, d: int) -> ir.Expr:
    clause = node.for_in
    if clause.inner_for_in is None and not clause.ifs and clause.asynchronous is None:
        target = clause.target
        if isinstance(target, cst.Name):
            names: tuple[str, ...] = (target.value,)
        elif isinstance(target, (cst.Tuple, cst.List)):
            names = tuple(el.value.value if isinstance(el.value, cst.Name) and
                          not isinstance(el, cst.StarredElement) else "" for el in target.elements)
        else:
            names = ()
        if names:
            kind = "list" if isinstance(node, cst.ListComp) else "set" if isinstance(node, cst.SetComp) else "gen"
            return ir.Comp(kind, to_ir(node.elt, line, d), names, to_ir(clause.iter, line, d))
    return ir.Unknown(f"<{type(node).__name__}>", _free_names(node))


class _NameReads(cst.CSTVisitor):
    """The names an expression reads: not attribute names or keywords."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


MAX_FREE_NAMES = 16


def _free_names(node: cst.ListComp | cst.SetComp | cst.GeneratorExp) -> tuple[str, ...]:
    """What a comprehension the language does not model reads besides its own loop variables (`[p.strip() for h in
    websocket.headers.getlist(...) for p in h.split(",")]` reads `websocket`)."""
    reads, targets = _NameReads(), _NameReads()
    node.visit(reads)
    clause: cst.CompFor | None = node.for_in
    while clause is not None:
        clause.target.visit(targets)
        clause = clause.inner_for_in
    return tuple(sorted(reads.names - targets.names))[:MAX_FREE_NAMES]


def _other(node: cst.CSTNode, line: int, d: int) -> ir.Expr:
    return ir.Unknown(f"<{type(node).__name__}>")


# in the order a chain of `isinstance` tests would try them (`_converter` looks a subclass up that way)
_BY_BASE: tuple[tuple[type | tuple[type, ...], Callable[..., ir.Expr]], ...] = (
    (cst.Name, _name), (cst.Attribute, _attribute), (cst.SimpleString, _simple_string),
    (cst.ConcatenatedString, _concatenated), (cst.FormattedString, _formatted_string), (cst.Integer, _integer),
    ((cst.Float, cst.Imaginary), _float), (cst.Ellipsis, _ellipsis), (cst.Call, _call),
    ((cst.List, cst.Tuple, cst.Set), _sequence), (cst.Dict, _dict), (cst.Subscript, _subscript),
    (cst.BinaryOperation, _binary), (cst.Comparison, _comparison), (cst.BooleanOperation, _boolean),
    (cst.UnaryOperation, _unary), (cst.IfExp, _if_exp), (cst.Await, _await), (cst.NamedExpr, _named),
    (cst.Lambda, _lambda), ((cst.ListComp, cst.SetComp, cst.GeneratorExp), _comprehension),
)
_CONVERTERS: dict[type, _Converter] = {}


def _converter(kind: type) -> _Converter:
    """The converter of a node type, the first in `_BY_BASE` it is a subclass of, remembered."""
    found: Callable[..., ir.Expr] = next((convert for base, convert in _BY_BASE if issubclass(kind, base)), _other)
    _CONVERTERS[kind] = found
    return found


def _formatted(part: cst.FormattedStringExpression, line: int, depth: int) -> ir.Expr:
    """A replacement field of an f-string as the call Python makes of it: `{x}` is `x`, `{x!r}` `repr(x)`,
    `{x:02d}` `format(x, "02d")` (its spec an f-string itself when it has fields)."""
    value = to_ir(part.expression, line, depth)
    if part.conversion:
        convert = {"r": "repr", "s": "str", "a": "ascii"}.get(part.conversion)
        if convert is None:
            return ir.Unknown("{...}")
        value = ir.Call(ir.Name(convert), (value,), (), line, 0)
    if part.format_spec:
        spec = to_ir(cst.FormattedString(parts=part.format_spec), line, depth)
        if isinstance(spec, ir.FStr) and all(isinstance(p, str) for p in spec.parts):
            spec = ir.Str("".join(p for p in spec.parts if isinstance(p, str)))
        value = ir.Call(ir.Name("format"), (value, spec), (), line, 0)
    return value


# -------------------------------------------------------------------------------------------- visitor

_DIRECTIVE = re.compile(r"#.*\b(routeguard|noqa)\b", re.IGNORECASE)


def _col_of(line_text: str, start: int) -> int:
    """The column (1-based) of what was found at `start` in a line; its first non-blank one when not found."""
    return start + 1 if start >= 0 else len(line_text) - len(line_text.lstrip()) + 1


_DEF_KEYWORD = re.compile(r"(async\s+)?def\b")


def _found(pattern: re.Pattern[str], line_text: str) -> int:
    m = pattern.search(line_text)
    return m.start() if m else -1


def _word(line_text: str, name: str) -> int:
    """Where `name` (an identifier) first occurs as a whole word in the line (a regular expression's
    `\\bname\\b`), or -1, without compiling a regular expression per name (which cost more than the search)."""
    if not name.isascii():
        return _found(re.compile(rf"\b{re.escape(name)}\b"), line_text)
    word = _WORD.match
    start = line_text.find(name)
    while start >= 0:
        end = start + len(name)
        if not (start and word(line_text, start - 1)) and not word(line_text, end):
            return start
        start = line_text.find(name, start + 1)
    return -1


# LibCST's own visitor framework rebuilds (and re-validates) every node it passes, which costs as much as
# parsing. This walker reads the fields instead, in source order: the order is learnt once per node type
# from LibCST itself (the attributes `_visit_and_replace_children` visits, in that order).
_FIELD_ORDER: dict[type, tuple[str, ...]] = {}


class _OrderRecorder(cst.CSTVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        super().__init__()
        self.target = target
        self.attrs: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node is self.target

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.target:
            self.attrs.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _field_order(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    order = _FIELD_ORDER.get(kind)
    if order is None:
        recorder = _OrderRecorder(node)
        node.visit(recorder)
        order = _FIELD_ORDER[kind] = tuple(dict.fromkeys(recorder.attrs))
    return order


_Hook = Callable[[cst.CSTNode], object]  # a bound `visit_...`/`leave_...` method
_Visit = Callable[[cst.CSTNode], None]  # visits one node (of the type it was made for) and its subtree


_SIMPLE_WHITESPACE = cst.SimpleWhitespace


def _ignore(value: object) -> None:
    """Visits a field value that is not a node (None, a sentinel, a string)."""
    return None


def _field_code(attr: str, inline_whitespace: bool) -> list[str]:
    """Generated code visiting one field of `node` (a node, a sequence of nodes, or something else)."""
    code = [f"v = node.{attr}", "if v:", "    t = type(v)"]
    if inline_whitespace:  # the most frequent node by far: its line count is made here, without a call
        code += ["    if t is SW:", "        w = v.value", "        if '\\n' in w or '\\r' in w:",
                 "            S.line += LB(w)", "    elif t is tuple or t is list:"]
    else:
        code += ["    if t is tuple or t is list:"]
    code += ["        for c in v:", "            F[type(c)](c)", "    else:", "        F[t](v)"]
    return code


@cache
def _maker(kind: type, order: tuple[str, ...], hooked: tuple[bool, bool, tuple[tuple[bool, bool], ...]],
           inline_whitespace: bool) -> Callable[..., _Visit]:
    """A factory of the visit function of one node type, compiled from generated code: the type's fields in
    order (`order`), each between its field hooks, all between the node hooks, where `hooked` says which
    exist. A generic loop over a plan cost 1.6 times as much per node: most nodes are leaves or nearly."""
    has_pre, has_post, fields = hooked
    body: list[str] = ["pre(node)"] if has_pre else []
    for i, (attr, (has_enter, has_leave)) in enumerate(zip(order, fields, strict=True)):
        if has_enter:
            body.append(f"enter[{i}](node)")
        body += _field_code(attr, inline_whitespace)
        if has_leave:
            body.append(f"leave[{i}](node)")
    if has_post:
        body.append("post(node)")
    lines = ["def make(F, S, SW, LB, pre, post, enter, leave):", "    def visit(node):",
             *("        " + line for line in body or ["pass"]), "    return visit"]
    namespace: dict[str, object] = {}
    exec(compile("\n".join(lines), f"<routeguard walker: {kind.__name__}>", "exec"), namespace)
    return namespace["make"]  # type: ignore[return-value]  # the function defined just above


class _Table(dict[type, _Visit]):
    """One walk's visit functions by node type, made on first need (and what to do with a sequence or a
    value that is not a node). Cleared when the walk ends: its functions refer to the table itself."""

    def __init__(self, walker: _Walker) -> None:
        super().__init__()
        self.walker = walker
        self.inline_whitespace = getattr(type(walker), "visit_SimpleWhitespace", None) is \
            _Walker.visit_SimpleWhitespace

    def __missing__(self, kind: type) -> _Visit:
        if kind is tuple or kind is list:
            def sequence(value: cst.CSTNode) -> None:
                for item in value:  # type: ignore[attr-defined]  # a tuple or list of nodes
                    self[type(item)](item)

            self[kind] = sequence
            return sequence
        if not issubclass(kind, cst.CSTNode):
            self[kind] = _ignore
            return _ignore
        return self._first  # the field order is learnt from the first node of the type

    def _first(self, node: cst.CSTNode) -> None:
        kind = type(node)
        walker = self.walker
        recipes = walker._recipes
        recipe = recipes.get((kind, self.inline_whitespace))
        if recipe is None:
            order = _FIELD_ORDER.get(kind) or _field_order(node)
            pre_t, post_t, attr_pre_t, attr_post_t = walker._tables
            entering = tuple(attr_pre_t.get((kind, attr)) for attr in order)
            leaving = tuple(attr_post_t.get((kind, attr)) for attr in order)
            hooked = (kind in pre_t, kind in post_t,
                      tuple((e is not None, lv is not None) for e, lv in zip(entering, leaving, strict=True)))
            field_hooks = any(e is not None or lv is not None for e, lv in zip(entering, leaving, strict=True))
            recipe = recipes[(kind, self.inline_whitespace)] = (
                _maker(kind, order, hooked, self.inline_whitespace), pre_t.get(kind), post_t.get(kind),
                entering if field_hooks else None, leaving if field_hooks else None)
        make, pre, post, enters, leaves = recipe
        hook = walker.__getattribute__
        visit = self[kind] = make(self, walker, _SIMPLE_WHITESPACE, line_breaks,
                                  pre and hook(pre), post and hook(post),
                                  enters and [name and hook(name) for name in enters],
                                  leaves and [name and hook(name) for name in leaves])
        visit(node)


class _Walker:
    """Dispatches `visit_<Node>`, `leave_<Node>`, `visit_<Node>_<field>` and `leave_<Node>_<field>` methods
    like a LibCST visitor, without rebuilding nodes, and counts lines on the way: `self.line` is the line
    of the node being visited (whitespace and strings add the line breaks they hold; a subclass counts
    the others, e.g. in `TrailingWhitespace` and `EmptyLine`)."""

    line: int = 1
    # method names by node type (visit, leave) and by (node type, field) (visit, leave); per subclass
    _tables: ClassVar[tuple[dict[type, str], dict[type, str], dict[tuple[type, str], str],
                            dict[tuple[type, str], str]]]
    # per subclass: (node type, whether whitespace is counted inline) -> (factory of its visit function, the
    # names of its node hooks (visit, leave) and of its field hooks (visit, leave), None when it has none)
    _recipes: ClassVar[dict[tuple[type, bool], tuple[Callable[..., _Visit], str | None, str | None,
                                                      tuple[str | None, ...] | None,
                                                      tuple[str | None, ...] | None]]]

    def __init_subclass__(cls) -> None:
        pre: dict[type, str] = {}
        post: dict[type, str] = {}
        attr_pre: dict[tuple[type, str], str] = {}
        attr_post: dict[tuple[type, str], str] = {}
        for name in dir(cls):
            for prefix, single, double in (("visit_", pre, attr_pre), ("leave_", post, attr_post)):
                if not name.startswith(prefix):
                    continue
                node_name, _, attr = name[len(prefix):].partition("_")
                node_type = getattr(cst, node_name, None)
                if not isinstance(node_type, type):
                    continue
                if attr:
                    double[(node_type, attr)] = name
                else:
                    single[node_type] = name
        cls._tables = (pre, post, attr_pre, attr_post)
        cls._recipes = {}

    # a line break is "\n", "\r\n" or a lone "\r" (old Mac line endings), as for Python itself. The
    # visit functions count a SimpleWhitespace's themselves, unless a subclass overrides this.
    def visit_SimpleWhitespace(self, node: cst.SimpleWhitespace) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += line_breaks(value)

    def walk(self, root: cst.CSTNode) -> None:
        table = _Table(self)
        try:
            table[type(root)](root)
        finally:
            table.clear()  # its functions refer to it: reference counting frees them now


# `def` and the name after it, found by its literal first (a leading `\b` makes the search try every
# position); the match takes only the `def`, so one right after it is found too
_DEF_NAME = re.compile(r"def(?=(?:\s|\\)+(\w+))")
_WORD = re.compile(r"\w")


def _def_names(text: str) -> list[str]:
    """The names after every word `def` in the source (comments and strings included): a superset of the
    names of its `def` statements."""
    word = _WORD.match
    return [m.group(1) for m in _DEF_NAME.finditer(text) if not (m.start() and word(text, m.start() - 1))]


def _mentions(node: cst.CSTNode | None, name: str) -> bool:
    """`node` holds the name `name` (asked only of an assignment to a name a `def` of its scope binds too)."""
    if node is None:
        return False
    if isinstance(node, cst.Name):
        return node.value == name
    return any(_mentions(child, name) for child in node.children)


def _suite(body: cst.BaseSuite) -> Sequence[cst.BaseStatement | cst.BaseSmallStatement]:
    return body.body


_Binding = tuple[cst.FunctionDef | None, bool, cst.BaseExpression | None]  # (def or None, under an `if`, value)
_Statements = Sequence[cst.BaseStatement | cst.BaseSmallStatement]


def _inner_suites(stmt: cst.BaseCompoundStatement) -> list[tuple[_Statements, bool]]:
    """The statement lists of a compound statement that run in its scope, each with whether an `if` (or its
    `elif` / `else`) chooses it."""
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        chosen: list[tuple[_Statements, bool]] = [(_suite(stmt.body), True)]
        if orelse is not None:
            chosen.append(([orelse] if isinstance(orelse, cst.If) else _suite(orelse.body), True))
        return chosen
    suites: list[cst.BaseSuite] = []
    if isinstance(stmt, (cst.For, cst.While)):
        suites = [stmt.body, *([stmt.orelse.body] if stmt.orelse is not None else [])]
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        suites = [stmt.body, *(h.body for h in stmt.handlers),
                  *(extra.body for extra in (stmt.orelse, stmt.finalbody) if extra is not None)]
    elif isinstance(stmt, (cst.With, cst.Match)):
        suites = [stmt.body] if isinstance(stmt, cst.With) else [case.body for case in stmt.cases]
    return [(_suite(suite), False) for suite in suites]


def _small_binds(stmt: cst.BaseSmallStatement, binds: dict[str, list[_Binding]], under_if: bool) -> None:
    """The names an assignment statement binds."""
    if isinstance(stmt, cst.Assign):
        for target in stmt.targets:
            if isinstance(target.target, cst.Name):
                binds.setdefault(target.target.value, []).append((None, under_if, stmt.value))
    elif isinstance(stmt, cst.AnnAssign) and stmt.value is not None and isinstance(stmt.target, cst.Name):
        binds.setdefault(stmt.target.value, []).append((None, under_if, stmt.value))


def _shadowed_defs(root: cst.Module) -> tuple[frozenset[int], frozenset[int]]:
    """The `def`s (by `id`) a scope binds its name with more than once: (decorated defs a later `def` of the same
    name in the same scope rebinds, alternatives). Python runs each definition and its decorators in turn:
    `@router.get("/a") def handler` followed by `@router.get("/b") def handler` registers two routes, though the
    name ends up bound to the second. When a function or module body binds a name more than once, by `def`s or
    a `def` and assignments, and one of those bindings is under an `if` (`if not settings.auth: def
    authenticated(): ...` / `else: def authenticated(token=Depends(...))`; `current_user = anonymous` then `if
    settings.auth: def current_user(...)`), the name is bound by whichever runs: each def of it is an
    alternative binding of the name, as the assignments are. Statements only, read through their typed fields
    (no expression walk)."""
    shadowed: set[int] = set()
    alternatives: set[int] = set()

    def scope(body: _Statements, in_class: bool) -> None:
        binds: dict[str, list[_Binding]] = {}
        scan(body, binds, False)
        for name, same in binds.items():
            defs = [d for d, _, _ in same if d is not None]
            if not defs:
                continue
            # `f = router.post("/x")(f)` wraps the binding before it: no alternative to it
            kept = [b for b in same if b[0] is not None or not _mentions(b[2], name)]
            if not in_class and len(kept) > 1 and any(under_if for _, under_if, _ in kept):
                alternatives.update(id(d) for d in defs)
            else:
                shadowed.update(id(d) for d in defs[:-1] if d.decorators)

    def scan(body: _Statements, binds: dict[str, list[_Binding]], under_if: bool) -> None:
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                binds.setdefault(stmt.name.value, []).append((stmt, under_if, None))
                scope(_suite(stmt.body), False)
            elif isinstance(stmt, cst.ClassDef):
                scope(_suite(stmt.body), True)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for part in stmt.body:
                    _small_binds(part, binds, under_if)
            elif isinstance(stmt, cst.BaseSmallStatement):  # a one-line suite's statements (`if c: x = 1`)
                _small_binds(stmt, binds, under_if)
            elif isinstance(stmt, cst.BaseCompoundStatement):
                for inner, chosen in _inner_suites(stmt):
                    scan(inner, binds, under_if or chosen)

    scope(root.body, False)
    return frozenset(shadowed), frozenset(alternatives)


class _Collector(_Walker):
    def __init__(self, facts: ModuleFacts, lines: list[str], package: str, text: str = "") -> None:
        self.f = facts
        self.text = text  # the source, when known: tells whether a `def` name repeats (see `walk`)
        self.lines = lines
        self.package = package
        self.line = 1
        self.stack: list[Func | ClassDef] = []  # the scopes around the current node, innermost last
        self.conditions: list[ir.Expr] = []  # `if` tests, innermost last
        self.cond_depth: list[int] = []  # len(self.conditions) at function entry
        self.loops = 0
        self._globals: dict[int, set[str]] = {}  # id(Func) -> names its `global` statements declare
        self._nonlocals: dict[int, set[str]] = {}  # id(Func) -> names its `nonlocal` statements declare
        self.pending_def_line = 0
        self._tries: list[int] = []  # numbers of the `try` statements being visited
        self._try_count = 0
        self._in_lambda = 0  # lambdas around the current node
        self._param_kind = "pos"  # of the parameters being visited
        self._pending_decorators: list[Decorator] = []  # of the def or class being visited
        self._loop_vars: tuple[LoopVar, ...] = ()  # the `for` loops around the current node
        # the `for` / `while` loops around the current node: [the line of a `for` the walk may unroll (Func.loops)
        # or None, the function it is in]
        self._loop_lines: list[list[int | Func | None]] = []
        self._for_starts: list[tuple[int, ir.Expr]] = []  # the line and collection of each `for` around the node
        # per indented block being visited: how many `not test` conditions an `if test: break` (or `continue`) in
        # a loop body added for the statements after it in that block (see leave_If)
        self._narrowed: list[int] = []
        self._elifs: set[int] = set()  # the `If` nodes that are an `elif` (the `orelse` of another `If`)
        self._if_tests: dict[int, ir.Expr] = {}  # id of an `If` being visited -> its test
        self._first_tests: dict[str, tuple[ir.Expr, ...]] = {}  # module-level name -> tests of its first binding
        self._first_blocks: dict[str, int] = {}  # module-level name -> the block of its first binding
        # the blocks around the current node, innermost last (numbers into `facts.block_ends`; 1 is the module body)
        self._blocks: list[int] = [1]
        # per scope being visited (the module, then each function, innermost last): how often each name occurs,
        # how often in a form that leaves a dict to the scope (see Func.item_only), and how many of those are
        # stores or returns (a change or an escape, seen from an enclosing scope)
        self._uses: list[dict[str, int]] = [{}]
        self._listed: list[dict[str, int]] = [{}]  # per scope: uses that leave a list to it (see Func.list_only)
        self._safe: list[dict[str, int]] = [{}]
        self._own: list[dict[str, int]] = [{}]
        facts.block_ends[:] = [0, 0]
        self._shadowed: frozenset[int] = frozenset()  # `_shadowed_defs` of the module: rebound decorated defs
        self._alternative_defs: frozenset[int] = frozenset()  # ... and defs binding a name chosen by an `if`
        self._root: cst.Module | None = None  # the module, until `_shadowed_defs` has read it
        # ids of the subscriptions written or deleted (`request.session["user"] = ...`, `del x[k]`): no reads
        self._stored: set[int] = set()

    def walk(self, root: cst.CSTNode) -> None:
        # only a name defined twice can shadow (`def` and its name are one token pair in any source); else the
        # scan waits for a def under an `if` (see `_scan_for`), the other way a def can be one of alternatives
        names = _def_names(self.text) if self.text else None
        self._root = root if isinstance(root, cst.Module) else None
        if self._root is not None and (names is None or len(names) != len(set(names))):
            self._shadowed, self._alternative_defs = _shadowed_defs(self._root)
            self._root = None
        outer, _STATE.memo = _STATE.memo, {}
        try:
            super().walk(root)
        finally:
            _STATE.memo = outer

    # -- line counting ---------------------------------------------------------------------------
    def visit_TrailingWhitespace(self, node: cst.TrailingWhitespace) -> None:
        if node.comment is not None and _DIRECTIVE.search(node.comment.value):
            self.f.comments[self.line] = node.comment.value
        self.line += 1

    def visit_EmptyLine(self, node: cst.EmptyLine) -> None:
        if node.comment is not None and _DIRECTIVE.search(node.comment.value):
            self.f.comments[self.line] = node.comment.value
        self.line += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += line_breaks(value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += line_breaks(value)

    # -- helpers ---------------------------------------------------------------------------------
    def _func(self) -> Func | None:
        """The function whose body (not a class body inside it) holds the current node."""
        if self.stack and isinstance(self.stack[-1], Func):
            return self.stack[-1]
        return None

    def _enclosing_func(self) -> Func | None:
        """The innermost function around the current node, through class bodies."""
        for scope in reversed(self.stack):
            if isinstance(scope, Func):
                return scope
        return None

    def _scope_name(self) -> str | None:
        func = self._func()
        return func.qualname if func else None

    def _in_module_scope(self) -> bool:
        return not self.stack

    def _class(self) -> ClassDef | None:
        if self.stack and isinstance(self.stack[-1], ClassDef):
            return self.stack[-1]
        return None

    def _text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def _local_conditions(self) -> tuple[ir.Expr, ...]:
        start = self.cond_depth[-1] if self.cond_depth else 0
        return tuple(self.conditions[start:])

    def _scan_for(self) -> None:
        """Before the first `def` under an `if` in a function or module body, the statement scan for
        alternative defs (`walk` runs it at once only when a def name repeats): such a def is the first of its
        name's alternatives that is a def, so no def visited before it needed the scan."""
        if self._root is not None and self._class() is None and \
                any(not is_marker(c) for c in self._local_conditions()):
            self._shadowed, self._alternative_defs = _shadowed_defs(self._root)
            self._root = None

    def _qual_prefix(self) -> str:
        parts = []
        for scope in self.stack:
            parts.append(scope.qualname if isinstance(scope, Func) else scope.name)
        return parts[-1] + "." if parts else ""

    # -- imports ---------------------------------------------------------------------------------
    def _resolve_relative(self, level: int, module: str | None) -> str:
        base = self.package.split(".") if self.package else []
        if level > 1:
            base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
        parts = base + ([module] if module else [])
        return ".".join(p for p in parts if p)

    def visit_Import(self, node: cst.Import) -> None:
        func = self._func()
        if not self._in_module_scope() and func is None:
            return
        target = self.f.imports if self._in_module_scope() else None
        for alias in node.names:
            full = _dotted_cst(alias.name)
            if not full:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                ref = ImportRef(full, None)
            else:
                local = full.split(".")[0]
                ref = ImportRef(local, None)
            if target is not None:
                target[local] = ref
            elif func is not None:
                func.assigns[local] = ir.Call(ir.Name("__import__"), (ir.Str(ref.module),), (), 0, 0)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted_cst(node.module) if node.module is not None else None
        level = len(node.relative)
        absolute = self._resolve_relative(level, module) if level else (module or "")
        if isinstance(node.names, cst.ImportStar):
            if self._in_module_scope():
                self.f.star_imports.append(absolute)
            return
        for alias in node.names:
            name = _dotted_cst(alias.name)
            if not name:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            if self._in_module_scope():
                self.f.imports[local] = ImportRef(absolute, name)
            else:
                func = self._func()
                if func is not None:
                    # function-local import: remember it as a local binding
                    func.assigns[local] = ir.Call(ir.Name("__import_from__"), (ir.Str(absolute), ir.Str(name)),
                                                  (), 0, 0)

    # -- definitions -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.pending_def_line = 0

    def visit_FunctionDef_name(self, node: cst.FunctionDef) -> None:
        line = self.line
        name = node.name.value
        parent = self._func()
        cls = self._class()
        # a method of a class defined inside a function sees that function's locals (a closure); the class
        # body in between is not a scope its methods see
        closure = parent if cls is None else self._enclosing_func()
        qual = self._qual_prefix() + name
        self._scan_for()
        shadowed = id(node) in self._shadowed
        if shadowed:  # its decorators ran (a route registered), but the name is the later def's: keep it apart
            qual += f"@{line}"
        elif id(node) in self._alternative_defs:
            # one of the defs an `if` chooses between: kept apart, and the name is bound to it under the tests
            # around it, as an assignment is (a function or module body; never a class body)
            qual += f"@{line}"
            self._bind(name, ir.Name(f"{name}@{line}"), line)
        text = self._text(line)
        col = _col_of(text, _found(_DEF_KEYWORD, text))
        func = Func(qualname=qual, name=name, line=line, col=col, is_async=node.asynchronous is not None,
                    params=[], decorators=self._pending_decorators, class_name=cls.name if cls else None,
                    parent=closure.qualname if closure else None, defined_under=self._local_conditions(),
                    returns_type=annotation_ir(node.returns.annotation, line) if node.returns else None)
        self._pending_decorators = []
        if parent is not None:
            parent.nested.append(qual)
        if cls is not None and not shadowed:
            cls.methods[name] = qual
        self.f.functions[qual] = func
        self.stack.append(func)
        self.cond_depth.append(len(self.conditions))
        self._param_kind = "pos"
        self._uses.append({})
        self._safe.append({})
        self._own.append({})
        self._listed.append({})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        func = self.stack.pop()
        self.cond_depth.pop()
        assert isinstance(func, Func), "a class body ends before the def inside it"
        func.end_line = self.line
        uses, safe, own = self._uses.pop(), self._safe.pop(), self._own.pop()
        func.item_only = sorted(n for n, v in func.assigns.items()
                                if isinstance(v, ir.DictE) and safe.get(n, 0) >= uses.get(n, 0))
        listed = self._listed.pop()
        func.list_only = sorted(n for n, v in func.assigns.items() if isinstance(v, ir.Seq) and v.kind == "list"
                                and safe.get(n, 0) + listed.get(n, 0) >= uses.get(n, 0))
        outer_uses, outer_safe = self._uses[-1], self._safe[-1]
        for name, count in uses.items():  # the enclosing scopes see this body's uses; its stores change their dicts
            outer_uses[name] = outer_uses.get(name, 0) + count
            kept = safe.get(name, 0) - own.get(name, 0)
            if kept:
                outer_safe[name] = outer_safe.get(name, 0) + kept

    def visit_Decorator_decorator(self, node: cst.Decorator) -> None:
        line = self.line
        text = self._text(line)
        col = _col_of(text, text.find("@"))
        dec = Decorator(to_ir(node.decorator, line), line, col, len(text.rstrip()) + 1)
        self._pending_decorators = [*self._pending_decorators, dec]

    def visit_Parameters_params(self, node: cst.Parameters) -> None:
        if not self._in_lambda:  # a lambda's parameters (in a default: `Body(default_factory=lambda: ...)`)
            self._param_kind = "pos"

    def visit_Parameters_posonly_params(self, node: cst.Parameters) -> None:
        if not self._in_lambda:
            self._param_kind = "posonly"

    def visit_Parameters_star_arg(self, node: cst.Parameters) -> None:
        if not self._in_lambda:
            self._param_kind = "vararg"

    def visit_Parameters_kwonly_params(self, node: cst.Parameters) -> None:
        if not self._in_lambda:
            self._param_kind = "kwonly"

    def visit_Parameters_star_kwarg(self, node: cst.Parameters) -> None:
        if not self._in_lambda:
            self._param_kind = "kwarg"

    def visit_Param_name(self, node: cst.Param) -> None:
        func = self._func()
        if func is None:
            return  # lambda parameters
        if self.stack and self.stack[-1] is not func:
            return
        if self._in_lambda:
            return
        line = self.line
        name = node.name.value
        text = self._text(line)
        col = _col_of(text, _word(text, name))
        func.params.append(Param(name, self._param_kind, annotation_ir(node.annotation.annotation, line)
                                 if node.annotation else None, to_ir(node.default, line), line, col))

    def visit_Global(self, node: cst.Global) -> None:
        func = self._func()
        if func is not None:
            self._globals.setdefault(id(func), set()).update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        func = self._func()
        if func is not None:
            self._nonlocals.setdefault(id(func), set()).update(n.name.value for n in node.names)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._in_lambda += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._in_lambda -= 1

    def visit_ClassDef_name(self, node: cst.ClassDef) -> None:
        line = self.line
        cls = ClassDef(name=self._qual_prefix() + node.name.value, line=line,
                       bases=[to_ir(a.value, line) for a in node.bases if a.keyword is None],
                       keywords=[(a.keyword.value, to_ir(a.value, line)) for a in node.keywords
                                 if a.keyword is not None],
                       methods={}, attrs={}, decorators=self._pending_decorators)
        self._pending_decorators = []
        # every class, also one defined inside a function (`def make_router_class(): class R(APIRouter): ...`),
        # under its qualified name
        self.f.classes[cls.name] = cls
        self.stack.append(cls)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if self.stack and isinstance(self.stack[-1], ClassDef):
            self.stack.pop()

    # -- blocks ----------------------------------------------------------------------------------
    # Every suite (an indented block or the statements after a colon on the same line) is a block: the code
    # after a binding in the same block runs after it, with nothing between them but straight-line code of that
    # block and the blocks nested in it.
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_block()
        self._narrowed.append(0)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        for _ in range(self._narrowed.pop()):
            self.conditions.pop()
        self._leave_block()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_block()

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._leave_block()

    def _enter_block(self) -> None:
        self._blocks.append(len(self.f.block_ends))
        self.f.block_ends.append(self.line)

    def _leave_block(self) -> None:
        # the line break ending the block's last statement was counted: the block ends on the line before
        number = self._blocks.pop()
        self.f.block_ends[number] = max(self.f.block_ends[number], self.line - 1)

    def leave_Module(self, original_node: cst.Module) -> None:
        self.f.block_ends[1] = max(self.line, 1)
        uses, safe = self._uses[0], self._safe[0]
        self.f.item_only = sorted(n for n, v in self.f.assigns.items()
                                  if isinstance(v, ir.DictE) and safe.get(n, 0) >= uses.get(n, 0))

    # -- how names are used (Func.item_only) -------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        uses = self._uses[-1]
        uses[node.value] = uses.get(node.value, 0) + 1

    def _list_use(self, name: str) -> None:
        """A use of `name` that leaves the list it holds to this scope (Func.list_only)."""
        listed = self._listed[-1]
        listed[name] = listed.get(name, 0) + 1

    def _item_use(self, name: str, count: int = 1, own: bool = False) -> None:
        """A use of `name` that leaves the dict it holds to this scope (`count` -1: one that does not)."""
        safe = self._safe[-1]
        safe[name] = safe.get(name, 0) + count
        if own:
            mine = self._own[-1]
            mine[name] = mine.get(name, 0) + 1

    # -- statements ------------------------------------------------------------------------------
    def visit_If_test(self, node: cst.If) -> None:
        pass

    def visit_If_body(self, node: cst.If) -> None:
        test = to_ir(node.test, self.line)
        self._if_tests[id(node)] = test
        if not self.stack and _main_test(test):
            self.f.main_guard = True
        self.conditions.append(test)

    def leave_If_body(self, node: cst.If) -> None:
        self.conditions.pop()

    def visit_If_orelse(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        self.conditions.append(ir.Not(to_ir(node.test, self.line)))

    def leave_If(self, original_node: cst.If) -> None:
        """`if test: break` (or `continue`) in a loop body, with no `else`: the statements after it in the same
        block run only when `not test` (each carries it, until the block ends)."""
        test = self._if_tests.pop(id(original_node), None)
        if id(original_node) in self._elifs:
            self._elifs.discard(id(original_node))
            return
        if test is None or original_node.orelse is not None or not self._narrowed or not self._loop_lines or \
                self._loop_lines[-1][1] is not self._func() or not _ends_in_jump(original_node.body):
            return
        self.conditions.append(ir.Not(test))
        self._narrowed[-1] += 1

    def leave_If_orelse(self, node: cst.If) -> None:
        self.conditions.pop()

    def visit_For_body(self, node: cst.For) -> None:
        self.loops += 1
        self.conditions.append(LOOP_MARKER)
        target = node.target
        iterable = to_ir(node.iter, self.line)
        func = self._func()
        # [the line, or None when it cannot be unrolled; the function it is in]: a `break`, `continue` or `try`
        # met in its body clears the line (see Func.loops)
        self._loop_lines.append([self.line if isinstance(target, cst.Name) and node.orelse is None and
                                 func is not None else None, func])
        self._for_starts.append((self.line, iterable))
        if isinstance(target, cst.Name):
            self._bind(target.value, ir.Star(iterable), self.line)
            self._loop_vars = (*self._loop_vars, ((target.value,), iterable))
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `for name, router in ROUTERS.items():` binds each name to element i of every item
            names = []
            for i, el in enumerate(target.elements):
                name = el.value.value if isinstance(el.value, cst.Name) and \
                    not isinstance(el, cst.StarredElement) else ""
                names.append(name)
                if name:
                    self._bind(name, ir.Star(ir.Call(ir.Name("__item__"), (iterable, ir.Const(i)), (),
                                                     self.line, 0)), self.line)
            self._loop_vars = (*self._loop_vars, (tuple(names), iterable))
        else:
            self._loop_vars = (*self._loop_vars, ((), iterable))

    def leave_For_body(self, node: cst.For) -> None:
        start, func = self._loop_lines.pop()
        if isinstance(start, int) and isinstance(func, Func):
            func.loops[start] = self.line
        header, iterable = self._for_starts.pop()
        if isinstance(func, Func):
            func.for_loops[header] = (self.line, iterable)
        self._loop_vars = self._loop_vars[:-1]
        self.loops -= 1
        self.conditions.pop()

    def visit_While_body(self, node: cst.While) -> None:
        self.conditions.append(LOOP_MARKER)
        self._loop_lines.append([None, self._func()])

    def leave_While_body(self, node: cst.While) -> None:
        self.conditions.pop()
        self._loop_lines.pop()

    def visit_Break(self, node: cst.Break) -> None:
        self._jumps(innermost=True)

    def visit_Continue(self, node: cst.Continue) -> None:
        self._jumps(innermost=True)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._jumps(innermost=False)

    def _jumps(self, innermost: bool) -> None:
        """A `break` / `continue` (of the innermost loop) or a `try` (whose markers the runs of every loop around
        it in the function would share) in a loop body: the loop cannot be unrolled (Func.loops)."""
        func = self._func()
        for entry in reversed(self._loop_lines):
            if entry[1] is not func:
                break
            entry[0] = None
            if innermost:
                break

    def visit_Try(self, node: cst.Try) -> None:
        self._try_count += 1
        self._tries.append(self._try_count)
        self._jumps(innermost=False)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._tries.pop()

    def visit_Try_body(self, node: cst.Try) -> None:
        self.conditions.append(try_marker("try", self._tries[-1]))

    def leave_Try_body(self, node: cst.Try) -> None:
        self.conditions.pop()

    def visit_Try_orelse(self, node: cst.Try) -> None:
        self.conditions.append(try_marker("tryelse", self._tries[-1]))

    def leave_Try_orelse(self, node: cst.Try) -> None:
        self.conditions.pop()

    def visit_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self.conditions.append(try_marker("except", self._tries[-1]) if self._tries else LOOP_MARKER)

    def leave_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self.conditions.pop()

    def visit_MatchCase_body(self, node: cst.MatchCase) -> None:
        self.conditions.append(CASE_MARKER)

    def leave_MatchCase_body(self, node: cst.MatchCase) -> None:
        self.conditions.pop()

    def _flow_bind(self, name: str, value: ir.Expr | None, line: int) -> None:
        func = self._func()
        if func is not None and value is not None and self._class() is None:
            func.binds.append(Bind(name, value, line, self._local_conditions(), self._blocks[-1]))

    def visit_Expr(self, node: cst.Expr) -> None:
        func = self._func()
        if func is None:
            return
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(value, cst.Call):
            call = to_ir(value, self.line)
            if isinstance(call, ir.Call):
                func.effects.append(Effect(call, self.line, self._local_conditions()))

    def _bind(self, name: str, value: ir.Expr | None, line: int) -> None:
        if value is None:
            return
        cls = self._class()
        if cls is not None:
            cls.attrs[name] = value
            return
        func = self._func()
        if func is not None and name in self._globals.get(id(func), ()):
            # `global app` then `app = FastAPI()`: a module-level binding made by the function
            self.f.global_assigns.setdefault(name, []).append(AssignedIn(value, func.qualname))
            func.stores.append(f"global {name}")
            return
        if func is not None and name in self._nonlocals.get(id(func), ()):
            # `nonlocal router` then `router = ...`: a binding of the enclosing function's variable
            func.nonlocal_assigns[name] = value
            return
        self._def_before(name, value, func)
        if func is not None:
            func.assigns[name] = value
            func.binds.append(Bind(name, value, line, self._local_conditions(), self._blocks[-1]))
        elif self._in_module_scope():
            tests = tuple(self.conditions)
            first = self._first_tests.get(name)
            # kept too when the new value reads the old one (`app = instrument(app)`): the earlier binding is
            # what the new value is made from
            if name in self.f.branches or (first is not None and (tests or first or _reads(value, name))):
                binds = self.f.branches.setdefault(name, [])
                if not binds:  # the earlier binding, with the tests it was made under
                    binds.append(Bind(name, self.f.assigns[name], self.f.assign_lines[name], first or (),
                                      self._first_blocks.get(name, 0)))
                binds.append(Bind(name, value, line, tests, self._blocks[-1]))
            elif first is None:
                self._first_tests[name] = tests
                self._first_blocks[name] = self._blocks[-1]
            self.f.assigns[name] = value
            self.f.assign_lines[name] = line

    def _def_before(self, name: str, value: ir.Expr, func: Func | None) -> None:
        """`def f(...)` then, under an `if`, `f = other` (not made from `f`): the def is the binding the `if`
        may replace, so it becomes one of the name's alternatives (kept apart as `f@line`, as `walk`'s scan
        does for a def under an `if`). Only for a def whose name nothing else recorded yet (no function, class
        or `global` write inside it), so renaming it renames nothing else."""
        scope = func.assigns if func is not None else self.f.assigns
        if name in scope or not any(not is_marker(c) for c in self._local_conditions()) or _reads(value, name):
            return
        qual = self._qual_prefix() + name
        target = self.f.functions.get(qual)
        if target is None or target.nested or target.defined_under or \
                any(q.startswith(qual + ".") for q in self.f.classes) or \
                any(made.function == qual for made in (m for ms in self.f.global_assigns.values() for m in ms)):
            return
        renamed = f"{name}@{target.line}"
        del self.f.functions[qual]
        target.qualname = self._qual_prefix() + renamed
        self.f.functions[target.qualname] = target
        self.f.calls = [replace(c, scope=target.qualname) if c.scope == qual else c for c in self.f.calls]
        self.f.overrides = [replace(o, site=replace(o.site, scope=target.qualname)) if o.site.scope == qual else o
                            for o in self.f.overrides]
        if func is not None:
            func.nested = [target.qualname if q == qual else q for q in func.nested]
            func.assigns[name] = ir.Name(renamed)
            func.binds.append(Bind(name, ir.Name(renamed), target.line, ()))
        else:
            self.f.assigns[name] = ir.Name(renamed)
            self.f.assign_lines[name] = target.line
            self._first_tests[name] = ()
            self._first_blocks[name] = 0

    def visit_Assign(self, node: cst.Assign) -> None:
        line = self.line
        made = value = to_ir(node.value, line)
        # `users_router = r = APIRouter()`: Python evaluates the value once and binds each target to that one
        # object, so the targets after the first plain name hold what that name holds (not a second object)
        anchor = next((t.target.value for t in node.targets if isinstance(t.target, cst.Name)), None) \
            if len(node.targets) > 1 else None
        for target in node.targets:
            t = target.target
            value = made if anchor is None or (isinstance(t, cst.Name) and t.value == anchor) else ir.Name(anchor)
            self._stores(t, value, line)
            self._override_target(t, value, line)
            if isinstance(t, cst.Name):
                if t.value == "__all__" and self._in_module_scope() and isinstance(value, ir.Seq):
                    self.f.all_names = [i.value for i in value.items if isinstance(i, ir.Str)]
                self._bind(t.value, value, line)
            elif isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and value is not None:
                if not self._instance_attr(t.value.value, t.attr.value, value):
                    self._attr_write(t, value, line)
            elif isinstance(t, cst.Attribute) and isinstance(t.value, cst.Attribute) and \
                    t.value.attr.value == "state" and isinstance(t.value.value, cst.Name):
                # `request.state.user = user`: a per-request attribute this function sets (auth's memo check)
                self._flow_bind(f"{t.value.value.value}.state.{t.attr.value}", value, line)
            elif isinstance(t, (cst.Tuple, cst.List)) and value is not None:
                for i, el in enumerate(t.elements):
                    if isinstance(el.value, cst.Name):
                        self._flow_bind(el.value.value, ir.Sub(value, (ir.Const(i),)), line)

    def _override_target(self, t: cst.BaseAssignTargetExpression, value: ir.Expr | None, line: int) -> None:
        """`x.dependency_overrides[original] = replacement` (`__setitem__`) and `x.dependency_overrides = {...}` (the
        mapping replaced, recorded as its `update`): see OverrideWrite."""
        if value is None or self._class() is not None:
            return
        if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Attribute) and \
                t.value.attr.value == OVERRIDES and len(t.slice) == 1 and isinstance(t.slice[0].slice, cst.Index):
            key = to_ir(t.slice[0].slice.value, line)
            self._override_write(ir.Call(ir.Attr(to_ir(t.value, line), "__setitem__"), (key, value), (), line, 1),
                                 line)
        elif isinstance(t, cst.Attribute) and t.attr.value == OVERRIDES:
            self._override_write(ir.Call(ir.Attr(to_ir(t, line), "update"), (value,), (), line, 1), line)

    def _override_write(self, call: ir.Call, line: int) -> None:
        func = self._func()
        text = self._text(line)
        site = CallSite(call, func.qualname if func else None,
                        tuple(ir.show(c) for c in self.conditions if not is_marker(c)), self.loops > 0,
                        len(text) - len(text.lstrip()) + 1, len(text.rstrip()) + 1, self._loop_vars)
        tests = self._local_conditions() if func is not None else tuple(self.conditions)
        self.f.overrides.append(OverrideWrite(site, tuple(c for c in tests if not is_marker(c))))

    def _store(self, target: cst.BaseExpression) -> None:
        """An item or attribute the function writes or deletes on something other than its own names."""
        func = self._func()
        if func is not None:
            func.stores.append(ir.show(to_ir(target, self.line), 80))

    def _stores(self, t: cst.BaseAssignTargetExpression, value: ir.Expr | None, line: int) -> None:
        """What an assignment target stores into: a local dict's items (see `_item_write`), the session, anything
        else's items (`_store`)."""
        if isinstance(t, cst.Name):
            self._item_use(t.value)
        elif isinstance(t, cst.Subscript):
            self._stored.add(id(t))
            self._session_write(t)
            self._store(t)  # `CACHE[key] = value`
            if isinstance(t.value, cst.Name):
                self._item_write(t, t.value.value, value, line)
            elif isinstance(t.value, cst.Attribute) and t.value.attr.value == "scope" and \
                    isinstance(t.value.value, cst.Name) and value is not None and len(t.slice) == 1 and \
                    isinstance(t.slice[0].slice, cst.Index) and (func := self._func()) is not None:
                # `request.scope[key] = value`: an item stored in the request's ASGI scope (auth's memo walk)
                func.item_writes.append(ItemWrite(f"{t.value.value.value}.scope", to_ir(t.slice[0].slice.value, line),
                                                  value, line, self._local_conditions()))
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:  # `d["a"], x = ...`: a store not recorded
                if isinstance(el.value, cst.Subscript) and isinstance(el.value.value, cst.Name):
                    self._item_use(el.value.value.value, -1)

    def _item_write(self, target: cst.Subscript, name: str, value: ir.Expr | None, line: int) -> None:
        """`name[key] = value`: recorded for the scope it is in (a store into a dict another scope holds changes
        that scope's dict, see `leave_FunctionDef`)."""
        self._item_use(name, 0, own=True)  # (the subscript itself counts as an item use, see visit_Subscript)
        if value is None or self._class() is not None or len(target.slice) != 1 or \
                not isinstance(target.slice[0].slice, cst.Index):
            self._item_use(name, -1)  # a slice, several keys, a class body: a store not recorded
            return
        key = to_ir(target.slice[0].slice.value, line)
        func = self._func()
        if func is not None:
            func.item_writes.append(ItemWrite(name, key, value, line, self._local_conditions()))
        else:
            self.f.item_writes.setdefault(name, []).append(ItemWrite(name, key, value, line, tuple(self.conditions)))

    @staticmethod
    def _self_changed(func: Func, attr: str) -> None:
        """A method other than `__init__` changes its object's attribute `attr` (in place or by `+=`): what
        `__init__` bound is only the value the object starts with (`sets_self`, as for `self.attr = value`)."""
        if func.name != "__init__" and attr not in func.sets_self:
            func.sets_self.append(attr)

    def _instance_attr(self, owner: str, attr: str, value: ir.Expr) -> bool:
        """`self.attr = value` in a method of a class: an attribute of its instances (True when it is one)."""
        func = self._func()
        if func is not None and (func.class_name is None or not func.params or func.params[0].name != owner):
            func.attr_writes.append(f"{owner}.{attr}")  # an attribute of another object
        if func is None or func.class_name is None or not func.params or func.params[0].name != owner:
            return False
        if func.name != "__init__" and attr not in func.sets_self:
            func.sets_self.append(attr)
        if func.name != "__init__":
            func.self_writes.append(ItemWrite(attr, ir.Str(attr), value, self.line, self._local_conditions()))
        cls = self.f.classes.get(func.class_name)
        if cls is None:
            return True
        earlier = cls.instance_attrs.get(attr)
        conditions = self._local_conditions()
        if earlier is not None and earlier.function == func.qualname and conditions:
            # `self.offline = flag` ... `if self.offline and not inline: self.offline = False`: either value
            # afterwards, as the tests decide (a block that is not an `if`, or a test reading the attribute
            # itself, decides nothing)
            own = f"{owner}.{attr}"
            test = ir.Unknown("<if>") if any(is_marker(c) or own in ir.show(c, 400) for c in conditions) else \
                conditions[0] if len(conditions) == 1 else ir.BoolOp("and", conditions)
            cls.instance_attrs[attr] = AssignedIn(ir.IfExp(test, value, earlier.value), func.qualname)
        elif attr not in cls.instance_attrs or func.name == "__init__":
            cls.instance_attrs[attr] = AssignedIn(value, func.qualname)
        return True

    def _attr_write(self, target: cst.Attribute, value: ir.Expr, line: int) -> None:
        """`name.attr = value` where `name` is a module's (a global, an import): not a local or parameter of the
        function it is in (bound before this line), nor in a class body."""
        owner = target.value.value if isinstance(target.value, cst.Name) else ""
        if not owner or self._class() is not None:
            return
        func = self._func()
        if func is not None and (owner in func.assigns or any(p.name == owner for p in func.params)):
            return
        conditions = self._local_conditions() if func is not None else tuple(self.conditions)
        self.f.attr_writes.setdefault(target.attr.value, []).append(
            AttrWrite(ir.Name(owner), value, func.qualname if func else None, line, conditions))

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        """`type CurrentUser = Annotated[User, Depends(current_user)]` (PEP 695): the name holds a
        `TypeAliasType` whose `__value__` is the right-hand side, and FastAPI unwraps it before reading a
        parameter's annotation (`analyze_param`), so as an annotation it is its value. A generic alias
        (`type Dep[T] = ...`) is left unbound: `Dep[int]` is a generic alias of the `TypeAliasType`, which
        FastAPI does not unwrap."""
        if node.type_parameters is None:
            self._bind(node.name.value, to_ir(node.value, self.line), self.line)

    def visit_With(self, node: cst.With) -> None:
        """`with X() as y:` / `async with httpx.AsyncClient() as client:` binds `y` to what the context manager's
        `__enter__` (`__aenter__`, awaited) returns: `__enter__(X())` / `__aenter__(X())`, which the project
        index reads (`Index._entered`)."""
        enter = "__aenter__" if node.asynchronous is not None else "__enter__"
        line = self.line
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind(item.asname.name.value, ir.Call(ir.Name(enter), (to_ir(item.item, line),), (), line, 0),
                           line)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        line = self.line
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._item_use(node.target.value)
        elif isinstance(node.target, cst.Subscript) and isinstance(node.target.value, cst.Name):
            self._item_use(node.target.value.value, -1)
        if isinstance(node.target, cst.Subscript):
            self._stored.add(id(node.target))
            self._session_write(node.target)
            if node.value is not None:
                self._store(node.target)  # `CACHE[key]: int = value` writes as `CACHE[key] = value` does
        if isinstance(node.target, cst.Attribute) and isinstance(node.target.value, cst.Name) and \
                node.value is not None:
            self._instance_attr(node.target.value.value, node.target.attr.value, to_ir(node.value, line))
        if isinstance(node.target, cst.Name):
            cls = self._class()
            if cls is not None:
                cls.annotations[node.target.value] = (annotation_ir(node.annotation.annotation, line), line)
            func = self._func()
            if func is not None:  # a local's declared type: what an unknown value is taken to be
                func.declared[node.target.value] = annotation_ir(node.annotation.annotation, line)
            if node.value is not None:
                self._bind(node.target.value, to_ir(node.value, line), line)
            elif cls is not None:
                cls.attrs.setdefault(node.target.value, ir.Unknown("<annotation>"))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target, func = node.target, self._func()
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self._item_use(target.value.value, -1)  # `d["n"] += 1`: a store not recorded
        if isinstance(target, cst.Subscript):
            self._store(target)  # `counts[key] += 1`
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and func is not None and \
                (func.class_name is None or not func.params or func.params[0].name != target.value.value):
            func.attr_writes.append(f"{target.value.value}.{target.attr.value}")  # `state.count += 1`
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and func is not None:
            self._self_changed(func, target.attr.value)  # `self.items += extra` in a method
        if isinstance(node.target, cst.Name):
            name = node.target.value
            made = ir.BinOp(_AUGOPS.get(type(node.operator), "?"), ir.Name(name), to_ir(node.value, self.line))
            self._flow_bind(name, made, self.line)
            if self._func() is None and self._class() is None and self._in_module_scope() and name in self.f.assigns:
                self._bind(name, made, self.line)  # `PREFIX += "/v1"` at module level: `PREFIX = PREFIX + "/v1"`
        if isinstance(node.target, cst.Name) and node.target.value == "__all__" and self._in_module_scope():
            value = to_ir(node.value, self.line)
            if isinstance(value, ir.Seq):
                self.f.all_names = (self.f.all_names or []) + [i.value for i in value.items
                                                               if isinstance(i, ir.Str)]

    def visit_Raise(self, node: cst.Raise) -> None:
        func = self._func()
        if func is not None:
            func.raises.append(Raise(to_ir(node.exc, self.line), self.line, self._local_conditions()))

    def visit_Return(self, node: cst.Return) -> None:
        if isinstance(node.value, cst.Name):
            self._item_use(node.value.value, own=True)  # handed to the caller, after the body's last use
        func = self._func()
        if func is not None:
            func.returns.append(Return(to_ir(node.value, self.line), self.line, self._local_conditions()))

    def visit_Assert(self, node: cst.Assert) -> None:
        func = self._func()
        if func is not None:
            func.asserts.append(self.line)

    def visit_Yield(self, node: cst.Yield) -> None:
        func = self._func()
        if func is not None:
            func.has_yield = True
            if node.value is not None and not isinstance(node.value, cst.From):
                # what a generator dependency hands the route (`yield user`), for the flow checks
                self._flow_bind(YIELD_BIND, to_ir(node.value, self.line), self.line)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(target.comparator, cst.Name):
                self._item_use(target.comparator.value)  # `"key" in d`
        func = self._func()
        if func is not None:
            func.compares.append(CompareSite(to_ir(node, self.line), self.line, self._local_conditions()))

    def visit_Call(self, node: cst.Call) -> None:
        f = node.func
        if isinstance(f, cst.Attribute) and f.attr.value == "get" and isinstance(f.value, cst.Name):
            self._item_use(f.value.value)  # `d.get(key)`
        if isinstance(f, cst.Attribute) and f.attr.value in ("append", "extend") and isinstance(f.value, cst.Name):
            self._list_use(f.value.value)  # `parts.append(x)`
        elif isinstance(f, cst.Attribute) and f.attr.value == "join" and len(node.args) == 1 and \
                isinstance(node.args[0].value, cst.Name) and not node.args[0].star:
            self._list_use(node.args[0].value.value)  # `"".join(parts)`
        line = self.line
        call = to_ir(node, line)
        if not isinstance(call, ir.Call):
            return
        func = self._func()
        if func is not None:
            func.calls.append(call)
            self._credential_call(func, call, line)
            if isinstance(f, cst.Attribute) and f.attr.value in _CHANGES_IN_PLACE and \
                    isinstance(f.value, cst.Attribute) and isinstance(f.value.value, cst.Name) and \
                    func.class_name is not None and func.params and func.params[0].name == f.value.value.value:
                self._self_changed(func, f.value.attr.value)  # `self.dependencies.extend(deps)` in a method
        if isinstance(call.func, ir.Attr) and call.func.attr == "update" and isinstance(call.func.value, ir.Attr) and \
                call.func.value.attr == OVERRIDES and self._class() is None:
            self._override_write(call, line)  # `app.dependency_overrides.update({...})`
        # method calls everywhere; module-level `register_routes(app)` too (a router or app handed on), and
        # decorators applied by hand: `app.get("/x")(handler)`
        if self._class() is None and (isinstance(call.func, ir.Attr) or (
                func is None and isinstance(call.func, ir.Name) and any(isinstance(a, ir.Name) for a in call.args))
                or (isinstance(call.func, ir.Call) and isinstance(call.func.func, ir.Attr))):
            text = self._text(line)
            tests = tuple(c for c in self.conditions if not is_marker(c))
            self.f.calls.append(CallSite(call, func.qualname if func else None, tuple(ir.show(c) for c in tests),
                                         self.loops > 0,
                                         len(text) - len(text.lstrip()) + 1, len(text.rstrip()) + 1,
                                         self._loop_vars, tests if self._loop_vars else ()))

    def _session_write(self, target: cst.Subscript) -> None:
        """`request.session[key] = value`: the function stores a value in the session (a cookie SessionMiddleware
        signs), which is how a handler signs a user in."""
        func = self._func()
        if func is not None and isinstance(target.value, cst.Attribute) and target.value.attr.value == "session":
            func.session_writes.append(self.line)

    def visit_Del(self, node: cst.Del) -> None:
        targets = [el.value for el in node.target.elements] if isinstance(node.target, (cst.Tuple, cst.List)) \
            else [node.target]
        for t in targets:
            if isinstance(t, (cst.Subscript, cst.Attribute)):
                self._store(t)  # `del SESSIONS[sid]`, `del obj.attr`
            if isinstance(t, cst.Subscript):
                self._stored.add(id(t))
                if isinstance(t.value, cst.Name):
                    self._item_use(t.value.value, -1)  # `del d["a"]`: a change not recorded

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Name):
            self._item_use(node.value.value)  # `d[key]`, read or stored
        func = self._func()
        if func is None or id(node) in self._stored:
            # `request.session["user"] = ...` (or `del`) writes the key: it reads no credential from the request
            return
        value = node.value
        if isinstance(value, cst.Attribute) and value.attr.value in ("headers", "cookies", "session"):
            key = None
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                key = _string_value(node.slice[0].slice.value)
            func.credential_reads.append(CredentialRead(value.attr.value, key.lower() if key else None,
                                                        self.line, _dotted_cst(value.value)))

    def _credential_call(self, func: Func, call: ir.Call, line: int) -> None:
        f = call.func
        if isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Attr) and \
                f.value.attr in ("headers", "cookies", "session"):
            key = call.args[0] if call.args else None
            func.credential_reads.append(CredentialRead(
                f.value.attr, key.value.lower() if isinstance(key, ir.Str) else None, line, ir.dotted(f.value.value)))


def _dotted_cst(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        left = _dotted_cst(node.value)
        return f"{left}.{node.attr.value}" if left else None
    return None


def _reads(expr: ir.Expr, name: str, depth: int = 0) -> bool:
    """Whether `expr` mentions the name `name` (a comprehension's own variable included: over-approximate)."""
    if isinstance(expr, ir.Name):
        return expr.id == name
    return depth < 40 and any(_reads(child, name, depth + 1) for child in ir.children(expr))


# ------------------------------------------------------------------------------------------ entry point
