"""Shared tree-sitter helpers: parse a file, read symbols, strings, arguments and options."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from tree_sitter import Language, Node, Parser

from extractor.errors import Diagnostic, DiagnosticKind
from extractor.model import Loc
from extractor.sources import SourceFile


@cache
def _parser() -> Parser:
    # imported on the first parse: the package imports importlib.resources (~10 ms, for
    # highlighting queries the extractor does not use), which a warm run never needs
    import tree_sitter_ruby

    return Parser(Language(tree_sitter_ruby.language()))


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed file: its root node plus a syntax diagnostic per ERROR region."""

    source: SourceFile
    root: Node
    diagnostics: tuple[Diagnostic, ...]

    def loc(self, node: Node) -> Loc:
        return Loc(self.source.path, node.start_point.row + 1)


@lru_cache(maxsize=1024)  # the ability reader walks controllers and services again
def parse(source: SourceFile) -> Parsed:
    """Parse Ruby text; syntax errors become diagnostics, the readable rest is kept."""
    tree = _parser().parse(source.text.encode())
    diagnostics = tuple(
        Diagnostic(
            loc=Loc(source.path, node.start_point.row + 1),
            kind=DiagnosticKind.SYNTAX,
            message="Ruby syntax error; the constructs around this line are skipped. "
            "Check that the file loads with `ruby -c`.",
        )
        for node in _error_nodes(tree.root_node)
    )
    return Parsed(source, tree.root_node, diagnostics)


def _error_nodes(root: Node) -> Iterator[Node]:
    if not root.has_error:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            yield node
            continue
        stack.extend(c for c in reversed(node.children) if c.has_error or c.is_missing)


def text(node: Node | None) -> str:
    """The source text of a node ('' for None)."""
    return "" if node is None or node.text is None else node.text.decode()


def name_of(node: Node | None) -> str | None:
    """The plain name a literal stands for: `:a`, `:"a"`, `'a'`, `"a"`, `a:`; else None.

    >>> # :title -> "title"; "users" -> "users"; :"#{k}_x" -> None (interpolated)
    """
    if node is None:
        return None
    kind = node.type
    if kind in ("simple_symbol", "hash_key_symbol"):
        return text(node).lstrip(":")
    if kind in ("delimited_symbol", "string", "bare_string", "bare_symbol"):
        if any(c.type == "interpolation" for c in node.children):
            return None
        return "".join(text(c) for c in node.children if c.type == "string_content")
    if kind in ("identifier", "constant"):
        return text(node)
    return None


def template_of(node: Node, variable: str) -> str | None:
    """An interpolated symbol/string with `#{variable}` as `{}`: `:"#{k}_x"` -> "{}_x"."""
    if node.type == "identifier" and text(node) == variable:
        return "{}"
    if node.type not in ("delimited_symbol", "string"):
        return name_of(node)
    parts: list[str] = []
    for child in node.children:
        if child.type == "string_content":
            parts.append(text(child))
        elif child.type == "interpolation":
            inner = [c for c in child.named_children]
            if len(inner) != 1 or text(inner[0]) != variable:
                return None
            parts.append("{}")
    return "".join(parts)


def const_name(node: Node | None) -> str | None:
    """`Foo`, `Foo::Bar`, `::Foo` as a string; None for anything else."""
    if node is None:
        return None
    if node.type == "constant":
        return text(node)
    if node.type == "scope_resolution":
        return text(node).lstrip(":")
    return None


def strings_of(node: Node | None) -> tuple[str, ...] | None:
    """Literal lists: `[:a, "b"]`, `%w(a b)`, `%i(a b)`, or one literal; None if not literal."""
    if node is None:
        return None
    if node.type in ("array", "string_array", "symbol_array"):
        names = [name_of(c) for c in node.named_children]
        return None if any(n is None for n in names) else tuple(n for n in names if n)
    if node.type in ("identifier", "constant"):
        return None
    single = name_of(node)
    return (single,) if single is not None else None


def call_name(node: Node) -> str | None:
    """The method name of a `call` (or of a bare identifier used as a call)."""
    if node.type == "identifier":
        return text(node)
    if node.type == "call":
        return text(node.child_by_field_name("method")) or None
    return None


def receiver(node: Node) -> Node | None:
    return node.child_by_field_name("receiver") if node.type == "call" else None


def arguments(node: Node) -> list[Node]:
    """Positional and keyword arguments of a call, flattened (pairs included)."""
    args = node.child_by_field_name("arguments") if node.type == "call" else None
    if args is None:
        return []
    return [c for c in args.named_children if c.type != "comment"]


def positional(node: Node) -> list[Node]:
    """Positional arguments only (splat arguments are returned as-is)."""
    return [a for a in arguments(node) if a.type not in ("pair", "block_argument")]


def options(node: Node) -> dict[str, Node]:
    """Keyword options of a call: `has_one :x, root: :users` -> {"root": <:users>}."""
    out: dict[str, Node] = {}
    for arg in arguments(node):
        pairs = arg.named_children if arg.type == "hash" else [arg]
        for pair in pairs:
            if pair.type != "pair":
                continue
            key = name_of(pair.child_by_field_name("key"))
            value = pair.child_by_field_name("value")
            if key is not None and value is not None:
                out[key] = value
    return out


def block_body(node: Node) -> Node | None:
    """The statements of a call's `do ... end` / `{ ... }` block."""
    block = node.child_by_field_name("block") if node.type == "call" else None
    if block is None:
        return None
    for child in block.named_children:
        if child.type in ("body_statement", "block_body"):
            return child
    return None


def block_params(node: Node) -> list[str]:
    block = node.child_by_field_name("block") if node.type == "call" else None
    params = block.child_by_field_name("parameters") if block is not None else None
    if params is None:
        return []
    return [text(p) for p in params.named_children if p.type == "identifier"]


def statements(body: Node | None) -> list[Node]:
    """Named statements of a body, skipping comments."""
    if body is None:
        return []
    return [c for c in body.named_children if c.type != "comment"]


def body_of(node: Node) -> Node | None:
    """The body of a class, module or method definition."""
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    return next((c for c in node.named_children if c.type == "body_statement"), None)


def walk(node: Node, skip: frozenset[str] = frozenset()) -> Iterator[Node]:
    """Every named node below `node` in source order, not descending into `skip` types."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(c for c in reversed(current.named_children) if c.type not in skip)
