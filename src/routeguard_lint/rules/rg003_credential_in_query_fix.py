"""RG003's safe autofix: a `token`/`api_key` query parameter becomes a parameter the project's security scheme
fills.

A required `token`/`access_token`/`api_key` parameter (annotated `str` or not annotated) becomes
`Annotated[str, Depends(<scheme>)]` when the file already writes parameters in the `Annotated` style, else
`= Depends(<scheme>)`. The scheme is the project's only module-level `OAuth2PasswordBearer`/
`OAuth2AuthorizationCodeBearer` (token names) or `APIKeyHeader`/`APIKeyCookie` (key names) instance, or the one
of several that the file already imports. Not fixed: a parameter with a default (optional: making it required
changes who can call), passwords, secrets, sessions, refresh tokens (not what a bearer scheme carries), several
candidate schemes and none imported in the file, an `HTTPBearer` scheme (it yields
`HTTPAuthorizationCredentials`, not the `str` the code expects), a scheme with `auto_error=False` or a subclass
with its own `__call__`, a default that would precede a parameter without one, an import that would create an
import cycle or shadow another name.
"""

from __future__ import annotations

import re

import libcst as cst

from routeguard_lint.facts import ir
from routeguard_lint.fix.codemod import (
    CANDIDATE_SCHEMES,
    KEY_SCHEMES,
    OBJECT_SCHEMES,
    TOKEN_SCHEMES,
    FileFix,
    Import,
    Scheme,
    Site,
    Unfixable,
)
from routeguard_lint.model import Finding
from routeguard_lint.project.index import Ctx, ExternalV
from routeguard_lint.vocabulary import ANNOTATED

# which parameters a scheme can stand in for
TOKEN_PARAM = re.compile(r"^(token|access_?token|auth_?token|bearer_?token|bearer|jwt|jwt_?token|api_?token)$",
                         re.IGNORECASE)
KEY_PARAM = re.compile(r"^(api_?key|apikey|x_?api_?key|api_?token)$", re.IGNORECASE)


def fix(finding: Finding, file: FileFix) -> str:
    """Read the parameter the finding reported (its span is the parameter's name) with the project's scheme."""
    sites = file.sites(file.scan.params, finding)
    param = sites[0].node if len(sites) == 1 else None
    if not isinstance(param, cst.Param):
        raise Unfixable("could not find the parameter the finding names")
    site = sites[0]
    pname = param.name.value
    is_token, is_key = _check_parameter(param, file)
    scheme, local = _project_scheme(file)
    allowed = (TOKEN_SCHEMES if is_token else frozenset()) | (KEY_SCHEMES if is_key else frozenset())
    _check_scheme(scheme, pname, allowed)
    depends = _depends_name(file)
    if local is not None and scheme.module == file.facts.module:
        func = file.facts.functions.get(site.scope or "")
        defined = file.facts.assign_lines.get(scheme.name, 0)
        if func is None or defined >= func.line:
            raise Unfixable(f"{scheme.name} is assigned after the function in this file; the default would "
                            f"be evaluated before it exists")
    scheme_local = local or _scheme_import(file, scheme)
    annotated = _annotated_spelling(file)
    if annotated is None:
        _check_default_order(site)
        new_default = cst.parse_expression(f"{depends}({scheme_local})")
        spaced = param.annotation is not None

        def with_default(node: cst.Param) -> cst.Param:
            ws = cst.SimpleWhitespace(" " if spaced else "")
            return node.with_changes(default=new_default,
                                     equal=cst.AssignEqual(whitespace_before=ws, whitespace_after=ws))
        file.edit(param, with_default)
        written = f"{pname}{': str' if spaced else ''} = {depends}({scheme_local})"
        return f"read '{pname}' with the security scheme: {written}"
    new_annotation = cst.parse_expression(f"{annotated}[str, {depends}({scheme_local})]")

    def with_annotation(node: cst.Param) -> cst.Param:
        if node.annotation is not None:
            return node.with_changes(annotation=node.annotation.with_changes(annotation=new_annotation))
        return node.with_changes(annotation=cst.Annotation(
            annotation=new_annotation, whitespace_before_indicator=cst.SimpleWhitespace(""),
            whitespace_after_indicator=cst.SimpleWhitespace(" ")))
    file.edit(param, with_annotation)
    return f"read '{pname}' with the security scheme: {pname}: {annotated}[str, {depends}({scheme_local})]"


def _check_parameter(param: cst.Param, file: FileFix) -> tuple[bool, bool]:
    """(a bearer token name, an API key name) for a parameter a scheme can stand in for; else Unfixable."""
    pname = param.name.value
    if param.star not in ("", cst.MaybeSentinel.DEFAULT):
        raise Unfixable("a *args/**kwargs parameter")
    if param.default is not None:
        raise Unfixable(f"'{pname}' has a default, so it is optional; reading it from a scheme would make it "
                        f"required and change who can call the route")
    annotation = file.module.code_for_node(param.annotation.annotation).strip() if param.annotation else None
    if annotation not in (None, "str"):
        raise Unfixable(f"'{pname}' is annotated {annotation!r}; a scheme gives a str")
    is_token, is_key = bool(TOKEN_PARAM.match(pname)), bool(KEY_PARAM.match(pname))
    if not (is_token or is_key):
        raise Unfixable(f"'{pname}' is not a bearer token or API key parameter; a security scheme does not "
                        f"carry it (send it in a header or the body instead)")
    return is_token, is_key


def _check_scheme(scheme: Scheme, pname: str, allowed: frozenset[str]) -> None:
    """Unfixable unless `scheme` gives the required `str` that `pname` is."""
    label = f"{scheme.module}.{scheme.name}"
    if scheme.cls not in allowed:
        if scheme.cls in OBJECT_SCHEMES:
            raise Unfixable(f"the project's scheme {label} is {scheme.cls}, which gives "
                            f"{OBJECT_SCHEMES[scheme.cls]}, not the str '{pname}' is")
        raise Unfixable(f"the project's scheme {label} ({scheme.cls}) does not carry '{pname}'")
    if scheme.optional:
        raise Unfixable(f"the project's scheme {label} has auto_error=False: '{pname}' would become optional")
    if scheme.own_call:
        raise Unfixable(f"the project's scheme {label} is a subclass with its own __call__; what it gives is "
                        f"unknown")


def _project_scheme(file: FileFix) -> tuple[Scheme, str | None]:
    candidates = [s for s in file.project.schemes if s.cls in CANDIDATE_SCHEMES]
    if not candidates:
        raise Unfixable("the project defines no module-level security scheme (OAuth2PasswordBearer, "
                         "APIKeyHeader, ...) to read it with")
    here = file.project.schemes_in(file.facts)
    present = [s for s in candidates if s.key in here]
    if len(present) == 1:
        return present[0], here[present[0].key]
    names = ", ".join(f"{s.module}.{s.name}" for s in (present or candidates))
    if len(present) > 1:
        raise Unfixable(f"the file uses several security schemes ({names}); which one is meant is unclear")
    if len(candidates) > 1:
        raise Unfixable(f"the project has several security schemes ({names}) and the file imports none of "
                         f"them; import the one to use and run the fix again")
    return candidates[0], None

def _check_default_order(site: Site) -> None:
    func = site.stack[-1][2]
    if not isinstance(func, cst.FunctionDef):
        return
    params = func.params
    positional = [*params.posonly_params, *params.params]
    ids = [id(p) for p in positional]
    if id(site.node) in ids:
        later = positional[ids.index(id(site.node)) + 1:]
        if any(p.default is None for p in later):
            raise Unfixable("a parameter without a default follows it, so it cannot take '= Depends(...)' "
                             "(the file does not use the Annotated style)")

def _annotated_spelling(file: FileFix) -> str | None:
    """How the file spells `Annotated` in its parameters' annotations, None when it does not use it."""
    for qualname, func in sorted(file.facts.functions.items()):
        ctx = Ctx(file.facts.module, qualname)
        for param in func.params:
            ann = param.annotation
            if isinstance(ann, ir.Sub) and ann.index:
                value = file.index.resolve(ann.value, ctx)
                if isinstance(value, ExternalV) and value.qualname in ANNOTATED and ir.dotted(ann.value):
                    return ir.dotted(ann.value)
    return None

def _depends_name(file: FileFix) -> str:
    local = file.local_name_for(("fastapi", "fastapi.params", "fastapi.param_functions"),
                                  "Depends")
    if local is not None:
        return local
    if file.bound("Depends"):
        raise Unfixable("the name 'Depends' is already used for something else in this file")
    file.need_import(Import("fastapi", "Depends", 0, 2))
    return "Depends"

def _scheme_import(file: FileFix, scheme: Scheme) -> str:
    name = scheme.name
    if file.bound(name):
        raise Unfixable(f"the name '{name}' is already used for something else in this file")
    if file.facts.module in file.project.module_imports(scheme.module):
        raise Unfixable(f"importing {name} from {scheme.module} would create an import cycle")
    file.need_import(file.project_import(scheme.module, name))
    return name

