"""Evident JSON types of Ruby expressions (method bodies of serializers)."""

from __future__ import annotations

from tree_sitter import Node

from extractor.model import JsonKind, ValueType
from extractor.ruby.nodes import call_name, receiver, statements, text, walk

_STRING_CALLS = frozenset(
    {
        "to_s",
        "humanize",
        "titleize",
        "strftime",
        "join",
        "upcase",
        "downcase",
        "strip",
        "parameterize",
        "to_param",
        "squish",
        "truncate",
        "html_safe",
        "t",
        "translate",
    }
)
_INTEGER_CALLS = frozenset({"to_i", "count", "size", "length"})
_NUMBER_CALLS = frozenset({"to_f", "round", "sum"})
_ARRAY_CALLS = frozenset(
    {
        "map",
        "pluck",
        "to_a",
        "compact",
        "uniq",
        "sort",
        "sort_by",
        "split",
        "keys",
        "values",
        "select",
        "reject",
        "flatten",
        "filter_map",
        "flat_map",
        "ids",
        "first_n",
    }
)
_OBJECT_CALLS = frozenset({"to_h", "merge", "slice", "except", "transform_values"})
_DATETIME_CALLS = frozenset({"iso8601", "utc"})
# calls whose result is nil when nothing is there (`Group.find_by(id: x)`, `s.presence`)
_NIL_CALLS = frozenset({"presence", "find_by", "try", "dig"})
# a `return` inside these belongs to another method
_OTHER_SCOPES = frozenset({"method", "singleton_method", "lambda", "class", "module"})
_BOOL_OPS = frozenset({"==", "!=", "<", ">", "<=", ">=", "&&", "and", "or", "=~", "!~"})


def _t(kind: JsonKind, **kw: object) -> ValueType:
    return ValueType(kind=kind, **kw)  # type: ignore[arg-type]  # kw are ValueType fields


NIL = ValueType(kind=JsonKind.NULL, nullable=True)


def last_expression(body: Node | None) -> Node | None:
    """The value-producing expression of a body (its last statement)."""
    if body is None:
        return None
    if body.type in (
        "body_statement",
        "block_body",
        "begin",
        "then",
        "else",
        "parenthesized_statements",
    ):
        stmts = statements(body)
        return last_expression(stmts[-1]) if stmts else None
    if body.type == "return":
        inner = body.named_children
        return inner[0].named_children[0] if inner and inner[0].named_children else None
    return body


def infer(node: Node | None) -> ValueType | None:
    """The JSON type a Ruby expression evidently has, or None when it is not evident.

    `"x"` -> string, `a == b` -> boolean, `x ? nil : 3` -> nullable integer,
    `items.map { ... }` -> array, `count` -> integer.
    """
    node = last_expression(node)
    if node is None:
        return None
    kind = node.type
    literal = _LITERALS.get(kind)
    if literal is not None:
        return literal
    if kind in ("conditional", "if", "unless", "case", "if_modifier", "unless_modifier"):
        return _union([NIL if b is None else infer(b) for b in _branches(node)])
    if kind == "binary":
        op = text(node.child_by_field_name("operator"))
        if op in _BOOL_OPS:
            return _t(JsonKind.BOOLEAN)
        if op == "||":
            return _union(
                [infer(node.child_by_field_name("left")), infer(node.child_by_field_name("right"))]
            )
        if op in ("+", "-", "*", "/"):
            left = infer(node.child_by_field_name("left"))
            return (
                left
                if left is not None
                and left.kind
                in (JsonKind.INTEGER, JsonKind.NUMBER, JsonKind.STRING, JsonKind.ARRAY)
                else None
            )
        return None
    if kind == "unary" and text(node).lstrip().startswith(("!", "not")):
        return _t(JsonKind.BOOLEAN)
    if kind == "call":
        return _infer_call(node)
    if kind == "identifier" and text(node).endswith("?"):
        return _t(JsonKind.BOOLEAN)
    return None


def may_return_nil(body: Node | None) -> bool:
    """Whether a method body can evidently return nil.

    `return nil unless x` / a bare `return` anywhere, or a value that is `nil` in some
    branch (`x ? nil : y`, `y if x`), `x&.y`, `s.presence`, `Group.find_by(...)`.
    """
    if body is None:
        return False
    for node in walk(body, skip=_OTHER_SCOPES):
        if node.type == "return" and _returns_nil(node):
            return True
    return _value_may_be_nil(last_expression(body))


def _returns_nil(node: Node) -> bool:
    values = [v for arg in node.named_children for v in arg.named_children]
    return not values or (len(values) == 1 and values[0].type == "nil")


def _value_may_be_nil(node: Node | None) -> bool:
    if node is None:
        return False
    kind = node.type
    if kind == "nil":
        return True
    if kind in ("conditional", "if", "unless", "case", "if_modifier", "unless_modifier"):
        return any(b is None or _value_may_be_nil(last_expression(b)) for b in _branches(node))
    if kind == "binary" and text(node.child_by_field_name("operator")) == "||":
        return _value_may_be_nil(last_expression(node.child_by_field_name("right")))
    if kind == "call":
        return text(node.child_by_field_name("operator")) == "&." or call_name(node) in _NIL_CALLS
    return False


def _infer_call(node: Node) -> ValueType | None:
    name = call_name(node) or ""
    args = node.child_by_field_name("arguments")
    arg_nodes = [c for c in args.named_children] if args is not None else []
    if name == "Array" and receiver(node) is None:
        return _t(JsonKind.ARRAY)
    if name == "fetch" and len(arg_nodes) == 2:  # h.fetch('k', {}) has the default's type
        return infer(arg_nodes[1])
    if name == "presence" and receiver(node) is not None:
        inner = infer(receiver(node))
        return inner.with_nullable() if inner is not None else None
    if name.endswith("?"):
        return _t(JsonKind.BOOLEAN)
    if name in _STRING_CALLS:
        return _t(JsonKind.STRING)
    if name in _INTEGER_CALLS:
        return _t(JsonKind.INTEGER)
    if name in _NUMBER_CALLS:
        return _t(JsonKind.NUMBER)
    if name in _ARRAY_CALLS:
        return _t(JsonKind.ARRAY)
    if name in _OBJECT_CALLS:
        return _t(JsonKind.OBJECT)
    if name in _DATETIME_CALLS:
        return _t(JsonKind.STRING, format="date-time")
    if name == "new" and text(receiver(node)) in ("Hash",):
        return _t(JsonKind.OBJECT)
    return None


def _branches(node: Node) -> list[Node | None]:
    if node.type == "conditional":
        return [node.child_by_field_name("consequence"), node.child_by_field_name("alternative")]
    if node.type in ("if_modifier", "unless_modifier"):
        # `x if cond` is nil when cond is false
        return [node.named_children[0], None]
    out: list[Node | None] = []
    has_else = False
    for child in node.named_children:
        if child.type in ("then", "else"):
            out.append(child)
            has_else = has_else or child.type == "else"
        elif child.type in ("when", "in_clause"):
            out.append(child.child_by_field_name("body"))
        elif child.type in ("elsif",):
            out.extend(_branches(child))
            has_else = True
    if not has_else:
        out.append(None)
    return out


def _union(types: list[ValueType | None]) -> ValueType | None:
    """One type for all branches; a `nil` branch makes it nullable. Unknown branches
    take the type of the known ones (`object.ranges || []` is an array)."""
    if all(t is None or t.kind is JsonKind.NULL for t in types):
        return None if any(t is None for t in types) else NIL
    types = [t for t in types if t is not None]
    real = [t for t in types if t is not None and t.kind is not JsonKind.NULL]
    if not real:
        return NIL
    nullable = len(real) != len(types) or any(t.nullable for t in real)
    kinds = {t.kind for t in real}
    if kinds == {JsonKind.INTEGER, JsonKind.NUMBER}:
        return _t(JsonKind.NUMBER, nullable=nullable)
    if len(kinds) != 1:
        return None
    formats = {t.format for t in real}
    return _t(real[0].kind, nullable=nullable, format=real[0].format if len(formats) == 1 else None)


_LITERALS: dict[str, ValueType] = {
    "string": _t(JsonKind.STRING),
    "heredoc_beginning": _t(JsonKind.STRING),
    "simple_symbol": _t(JsonKind.STRING),
    "delimited_symbol": _t(JsonKind.STRING),
    "integer": _t(JsonKind.INTEGER),
    "float": _t(JsonKind.NUMBER),
    "true": _t(JsonKind.BOOLEAN),
    "false": _t(JsonKind.BOOLEAN),
    "nil": NIL,
    "array": _t(JsonKind.ARRAY),
    "string_array": _t(JsonKind.ARRAY, items=_t(JsonKind.STRING)),
    "symbol_array": _t(JsonKind.ARRAY, items=_t(JsonKind.STRING)),
    "hash": _t(JsonKind.OBJECT),
}
