"""Layer 1: a static check of generated code before it runs.

It refuses what analysis code never needs: imports outside an allowlist, dunder attributes,
dynamic code and introspection builtins, file and network I/O through pandas, numpy and
plotly. A refusal names the rule. This layer is a filter for mistakes and casual attacks;
the process, OS and seccomp layers behind it hold on their own.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable

FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "__import__", "globals", "locals", "vars", "breakpoint", "input",
    "memoryview", "exit", "quit", "help", "setattr", "delattr", "__builtins__", "__loader__", "__spec__",
})
# Attribute names that reach files, the network, pickles or the interpreter's internals.
FORBIDDEN_ATTRIBUTES = frozenset({
    "read_pickle", "to_pickle", "read_csv", "read_excel", "read_json", "read_html", "read_xml",
    "read_parquet", "read_feather", "read_orc", "read_sas", "read_spss", "read_stata", "read_hdf",
    "read_sql", "read_sql_query", "read_sql_table", "read_table", "read_fwf", "read_clipboard", "read_gbq",
    "to_csv", "to_excel", "to_json", "to_html", "to_xml", "to_parquet", "to_feather", "to_orc", "to_stata",
    "to_hdf", "to_sql", "to_clipboard", "to_latex", "to_markdown", "to_gbq",
    "load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "fromfile",
    "tofile", "memmap", "DataSource", "ctypeslib",
    "write_html", "write_image", "write_json", "io", "common", "os", "sys", "subprocess",
    "system", "popen", "builtins", "f_globals", "f_locals", "f_back", "gi_frame", "cr_frame",
    "tb_frame", "func_globals", "mro",
})
ALLOWED_DUNDERS = frozenset({"__name__"})


class CodeRefused(Exception):
    """Generated code broke a rule; `rule` is a short name, `detail` says where."""

    def __init__(self, rule: str, detail: str):
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


def check_code(code: str, allowed_imports: Iterable[str]) -> None:
    """Raise CodeRefused for the first rule the code breaks (`allowed_imports`: the top-level
    modules analysis code may import, Settings.sandbox_allowed_imports)."""
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise CodeRefused("syntax", f"line {exc.lineno}: {exc.msg}") from None
    _Checker(frozenset(allowed_imports)).visit(tree)


class _Checker(ast.NodeVisitor):
    def __init__(self, allowed_imports: frozenset[str]):
        self.allowed_imports = allowed_imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(alias.name, node)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            raise CodeRefused("import", f"line {node.lineno}: relative imports are not allowed")
        self._check_module(node.module or "", node)
        for alias in node.names:
            if alias.name == "*" or alias.name in FORBIDDEN_ATTRIBUTES or alias.name.startswith("_"):
                raise CodeRefused("import", f"line {node.lineno}: 'from {node.module} import {alias.name}'")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_NAMES:
            raise CodeRefused("forbidden-name", f"line {node.lineno}: '{node.id}' is not allowed")
        if node.id.startswith("__") and node.id not in ALLOWED_DUNDERS:
            raise CodeRefused("dunder", f"line {node.lineno}: '{node.id}'")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            raise CodeRefused("dunder", f"line {node.lineno}: private attribute '.{node.attr}'")
        if node.attr in FORBIDDEN_ATTRIBUTES:
            raise CodeRefused("io", f"line {node.lineno}: '.{node.attr}' reads or writes outside the data")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in ("getattr", "hasattr") and (len(node.args) < 2 or not _is_plain_string(node.args[1])):
            raise CodeRefused("getattr", f"line {node.lineno}: {name}() needs a literal attribute name")
        if name in ("getattr", "hasattr") and node.args[1].value.startswith("_"):
            raise CodeRefused("dunder", f"line {node.lineno}: {name}() of a private attribute")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format" and _has_attribute_field(node):
            raise CodeRefused("format", f"line {node.lineno}: format fields may not read attributes")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # "{0.__class__}".format(x) and f-strings are handled elsewhere; a bare dunder string
        # is how getattr-style escapes are spelled.
        if isinstance(node.value, str) and names_a_dunder(node.value):
            raise CodeRefused("dunder", f"line {node.lineno}: string naming a dunder attribute")
        self.generic_visit(node)

    def _check_module(self, module: str, node: ast.AST) -> None:
        top = module.split(".", 1)[0]
        if top not in self.allowed_imports:
            raise CodeRefused("import", f"line {node.lineno}: '{module}' is not an allowed module")
        if any(part.startswith("_") or part in FORBIDDEN_ATTRIBUTES for part in module.split(".")[1:]):
            raise CodeRefused("import", f"line {node.lineno}: '{module}'")


def _is_plain_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def names_a_dunder(text: str) -> bool:
    """Does a string spell a dunder attribute ("__class__")? Such strings are refused in code."""
    return "__" in text and any(len(word) > 4 and word.startswith("__") and word.endswith("__")
               for word in text.replace(".", " ").replace("}", " ").replace("{", " ").split())


def _has_attribute_field(node: ast.Call) -> bool:
    target = node.func.value
    return _is_plain_string(target) and any(
        "." in field or "[" in field for field in _format_fields(target.value))


def _format_fields(template: str) -> list[str]:
    import string

    try:
        return [field for _, field, _, _ in string.Formatter().parse(template) if field]
    except ValueError:
        return []
