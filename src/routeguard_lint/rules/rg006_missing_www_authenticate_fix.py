"""RG006's safe autofix: the `WWW-Authenticate` challenge added to a 401 `HTTPException(...)`.

Adds `headers={"WWW-Authenticate": "Bearer"}` (`Basic` when the project's scheme is `HTTPBasic`) to the call,
or the key to a `headers={...}` literal, or replaces `headers=None`. Not fixed: `headers=` that is not a dict
literal, a project mixing `HTTPBasic` with token schemes where the file does not say which one it uses.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import to_ir
from routeguard_lint.fix.codemod import FileFix, Scheme, Site, Unfixable, append_arg, append_dict
from routeguard_lint.model import Finding
from routeguard_lint.project.index import ClassV, Ctx
from routeguard_lint.routes.model import NodeKind, walk
from routeguard_lint.rules.rg006_missing_www_authenticate import HTTP_EXCEPTIONS, _Checker


def fix(finding: Finding, file: FileFix) -> str:
    """Add the challenge header to the 401 `HTTPException(...)` call the finding reported."""
    site = _reported_call(finding, file)
    node = site.node
    if not isinstance(node, cst.Call):  # calls are the only sites _reported_call returns
        raise Unfixable("could not find the call the finding names")
    headers = _headers_arg(node)
    if headers is not None and not _is_literal(headers[1].value):
        raise Unfixable("headers= is not a dict literal; add the WWW-Authenticate header where it is built")
    challenge = _challenge(file, site)
    quote = "'" if _single_quotes(node) else '"'
    entry = f"{quote}WWW-Authenticate{quote}: {quote}{challenge}{quote}"
    if headers is None:
        new_arg = cst.Arg(keyword=cst.Name("headers"), value=cst.parse_expression("{" + entry + "}"),
                          equal=_equal_style(node))
        if append_arg(node, new_arg) is None:
            raise Unfixable("the call's layout (a comment after its last argument) is not one the fix can follow")

        def add_argument(updated: cst.Call) -> cst.Call:
            done = append_arg(updated, new_arg)
            if done is None:
                raise Unfixable("the call's layout changed while it was being fixed")
            return done
        file.edit(node, add_argument)
        return f"added headers={{{entry}}}"
    position, arg = headers
    if isinstance(arg.value, cst.Dict):
        element = cst.DictElement(key=cst.parse_expression(f"{quote}WWW-Authenticate{quote}"),
                                  value=cst.parse_expression(f"{quote}{challenge}{quote}"))
        if append_dict(arg.value, element) is None:
            raise Unfixable("the headers dict's layout (a comment after its last entry) is not one the fix can "
                            "follow")

        def add_entry(value: cst.BaseExpression) -> cst.BaseExpression:
            done = append_dict(value, element) if isinstance(value, cst.Dict) else None
            if done is None:
                raise Unfixable("the headers dict changed while it was being fixed")
            return done
        file.edit(node, lambda updated: _with_arg_value(updated, position, add_entry))
        return f"added {entry} to the headers dict"
    replacement = cst.parse_expression("{" + entry + "}")  # headers=None
    file.edit(node, lambda updated: _with_arg_value(updated, position, lambda _value: replacement))
    return f"replaced headers=None with {{{entry}}}"


def _reported_call(finding: Finding, file: FileFix) -> Site:
    """The one unchallenged 401 `HTTPException(...)` (or `super().__init__(...)` of a subclass) where the
    finding points, read as the rule reads it."""
    checker = _Checker(file.project.graph)
    found = []
    for site in file.sites(file.scan.calls, finding):
        call = to_ir(site.node, finding.line)
        if not isinstance(call, ir.Call):
            continue
        ctx = Ctx(file.facts.module, site.scope)
        if not (checker.is_http_exception(call.func, ctx) or _super_init(file, site, HTTP_EXCEPTIONS)):
            continue
        if checker.unchallenged(call, ctx):
            found.append(site)
    if len(found) != 1:
        raise Unfixable("could not find the one 401 HTTPException(...) call the finding names" if not found
                        else "several 401 HTTPException(...) calls on the line")
    return found[0]


def _headers_arg(node: cst.Call) -> tuple[int, cst.Arg] | None:
    """The `headers` argument (by keyword, or third by position) and its index."""
    found = None
    for i, arg in enumerate(node.args):
        by_keyword = arg.keyword is not None and arg.keyword.value == "headers"
        if by_keyword or (arg.keyword is None and not arg.star and i == 2):
            found = (i, arg)
    return found


def _is_literal(value: cst.BaseExpression) -> bool:
    """`None`, or a dict literal without `**` unpacking."""
    if isinstance(value, cst.Name):
        return value.value == "None"
    return isinstance(value, cst.Dict) and all(isinstance(e, cst.DictElement) for e in value.elements)


def _with_arg_value(call: cst.Call, position: int,
                    change: Callable[[cst.BaseExpression], cst.BaseExpression]) -> cst.Call:
    args = list(call.args)
    args[position] = args[position].with_changes(value=change(args[position].value))
    return call.with_changes(args=args)


def _super_init(file: FileFix, site: Site, exceptions: frozenset[str]) -> bool:
    """`super().__init__(...)` in the `__init__` of a project subclass of HTTPException."""
    node = site.node
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__" and
            isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) and
            func.value.func.value == "super"):
        return False
    stack = site.stack
    if len(stack) < 2 or stack[-1][:2] != ("func", "__init__") or stack[-2][0] != "class":
        return False
    cls_name = ".".join(name for _kind, name, _node in stack[:-1])
    cls_v = ClassV(file.facts.module, cls_name)
    return file.index.cls(cls_v) is not None and bool(set(file.index.external_bases(cls_v)) & exceptions)

def _challenge(file: FileFix, site: Site) -> str:
    """`Basic` or `Bearer`: from the schemes the enclosing dependency runs (its dependency tree in
    the graph), else the schemes the file uses, else the project's."""
    def family(s: Scheme) -> str:
        return "Basic" if s.cls == "HTTPBasic" else "Bearer"
    families = set()
    for node in file.project.graph.nodes.values():
        if node.func is not None and node.func_module == file.facts.module and node.func.qualname == site.scope:
            families |= {"Basic" if n.scheme_class == "HTTPBasic" else "Bearer" for n in walk(node)
                         if n.kind is NodeKind.SCHEME and n.scheme_class}
    if len(families) == 1:
        return families.pop()
    here = file.project.schemes_in(file.facts)
    families = {family(s) for s in file.project.schemes if s.key in here}
    if len(families) > 1:
        raise Unfixable("the file uses both HTTPBasic and a token scheme; which challenge to send is unclear")
    if families:
        return families.pop()
    families = {family(s) for s in file.project.schemes}
    if families == {"Basic", "Bearer"}:
        raise Unfixable("the project uses both HTTPBasic and a token scheme and the file imports neither; "
                         "which challenge to send is unclear")
    return families.pop() if families else "Bearer"

def _single_quotes(node: cst.Call) -> bool:
    quotes = []
    for arg in node.args:
        if isinstance(arg.value, cst.SimpleString):
            quotes.append(arg.value.quote[-1:])
    return bool(quotes) and all(q == "'" for q in quotes)

def _equal_style(node: cst.Call) -> cst.AssignEqual:
    for arg in node.args:
        if isinstance(arg.equal, cst.AssignEqual):
            return arg.equal
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
