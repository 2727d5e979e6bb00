"""A controller method's reads of `params` and the methods it may call (pure).

`params[:per]`, `params.fetch(:x)`, `params.require(:poll)`, `load_and_authorize(:discussion)`
(Loomio's concern: reads `discussion_id`), and generic filters written as loops:

```ruby
%w(parent_id depth).each { |name| records = records.where(...) if params["#{name}_lt"] }
```
"""

from __future__ import annotations

from tree_sitter import Node

from extractor.errors import Diagnostic, DiagnosticKind, Severity
from extractor.model import JsonKind, Loc, Mention, Param, ValueType
from extractor.ruby.nodes import (
    Parsed,
    block_params,
    call_name,
    name_of,
    options,
    positional,
    receiver,
    strings_of,
    template_of,
    text,
    walk,
)

_LITERAL_KEYS = frozenset({"simple_symbol", "delimited_symbol", "string", "hash_key_symbol"})
# a read inside these runs only sometimes
_CONDITIONAL = frozenset(
    {
        "if",
        "unless",
        "elsif",
        "else",
        "conditional",
        "if_modifier",
        "unless_modifier",
        "case",
        "when",
        "while",
        "until",
        "rescue",
        "rescue_modifier",
        "ensure",
    }
)
_OTHER_SCOPES = frozenset({"lambda", "method", "singleton_method"})
# ActiveRecord finders that raise RecordNotFound (404) when given nil
_FINDERS = frozenset({"find", "find_by!", "find_by_key!"})
_INTEGER = ValueType(kind=JsonKind.INTEGER)
_STRING = ValueType(kind=JsonKind.STRING)
_DATE_TIME = ValueType(kind=JsonKind.STRING, format="date-time")


def read_params(
    parsed: Parsed, method: Node
) -> tuple[list[Param], list[Mention], list[Diagnostic]]:
    """Every parameter read and every receiver-less call in a `def` (its body and the
    defaults of its parameters, `scope: default_scope`), in source order."""
    params: list[Param] = []
    mentions: list[Mention] = []
    diagnostics: list[Diagnostic] = []
    body = method  # conditions are looked for up to the `def`
    roots = [method.child_by_field_name(f) for f in ("parameters", "body")]
    nodes = (n for root in roots if root is not None for n in walk(root, skip=_OTHER_SCOPES))
    for node in nodes:
        if (
            node.type == "element_reference"
            and text(node.child_by_field_name("object")) == "params"
        ):
            params.extend(_element_read(parsed, node, body, diagnostics))
        elif node.type == "call" and text(receiver(node)) == "params":
            params.extend(_method_read(parsed, node, body))
        elif node.type == "call" and call_name(node) == "load_and_authorize" and not receiver(node):
            params.extend(_load_and_authorize(parsed, node, body))
        elif node.type in ("call", "identifier") and receiver(node) is None:
            name = call_name(node)
            if name and name != "params":
                mentions.append(Mention(name=name, conditional=_conditional(node, body)))
        elif node.type == "super":
            mentions.append(Mention(name="super", conditional=_conditional(node, body)))
    return params, mentions, diagnostics


def _element_read(
    parsed: Parsed, node: Node, body: Node | None, diagnostics: list[Diagnostic]
) -> list[Param]:
    """`params[:x]`; `params[:x][:y]` is a nested (body) hash, not a query parameter."""
    parent = node.parent
    if (
        parent is not None
        and parent.type == "element_reference"
        and parent.named_children[0] == node
    ):
        return []
    if parent is not None and parent.type == "assignment" and parent.named_children[0] == node:
        return []  # `params[field] = ...` writes
    keys = [c for c in node.named_children[1:] if c.type != "comment"]
    if len(keys) != 1:
        return []
    names = _names(keys[0], node)
    if names is None:
        diagnostics.append(
            Diagnostic(
                loc=parsed.loc(node),
                kind=DiagnosticKind.UNRESOLVED,
                severity=Severity.INFO,
                message=f"`{text(node)}`: parameter name is not a literal; not in the spec",
            )
        )
        return []
    required = _in_finder(node) and not _conditional(node, body)
    return [_param(n, node, parsed.loc(node), required) for n in names]


def _method_read(parsed: Parsed, node: Node, body: Node | None) -> list[Param]:
    """`params.require(:x)` (400 without), `params.fetch(:x)` (400 without a default), ..."""
    method = call_name(node)
    args = positional(node)
    if method not in ("require", "fetch", "dig", "key?", "has_key?", "include?") or not args:
        return []
    if args[0].type not in _LITERAL_KEYS:
        return []
    name = name_of(args[0])
    if name is None:
        return []
    fails_without = method == "require" or (
        method == "fetch" and len(args) == 1 and node.child_by_field_name("block") is None
    )
    required = fails_without and not _conditional(node, body)
    return [_param(name, node, parsed.loc(node), required)]


def _load_and_authorize(parsed: Parsed, node: Node, body: Node | None) -> list[Param]:
    """`load_and_authorize(:discussion)`: finds the record by `discussion_id` (or `_key`),
    404 without one unless `optional: true`."""
    args = positional(node)
    model = name_of(args[0]) if args and args[0].type in _LITERAL_KEYS else None
    if model is None:
        return []
    optional = text(options(node).get("optional")) == "true"
    loc = parsed.loc(node)
    required = not optional and not _conditional(node, body)
    return [
        Param(name=f"{model}_id", type=_INTEGER, required=required, loc=loc, model=model),
        Param(name=f"{model}_key", type=_STRING, required=False, loc=loc, model=model),
    ]


def _names(key: Node, read: Node) -> tuple[str, ...] | None:
    """A literal key, or a template over the literal list an enclosing loop walks."""
    name = name_of(key) if key.type in _LITERAL_KEYS else None
    if name is not None:
        return (name,)
    current = read.parent
    while current is not None:
        if current.type in ("block", "do_block") and current.parent is not None:
            loop = current.parent
            values = strings_of(receiver(loop)) if loop.type == "call" else None
            for var in block_params(loop) if values is not None else ():
                template = template_of(key, var)
                if template is not None and "{}" in template:
                    return tuple(template.format(v) for v in values or ())
        current = current.parent
    return None


def _param(name: str, read: Node, loc: Loc, required: bool) -> Param:
    parent = read.parent
    converted = (
        parent is not None
        and parent.type == "call"
        and receiver(parent) == read
        and call_name(parent) == "to_i"
    )
    return Param(
        name=name,
        type=_type(name, converted),
        required=required,
        loc=loc,
        offset_or_limit=_offset_or_limit(read),
    )


def _offset_or_limit(read: Node) -> bool:
    """`offset(params[:from].to_i)`, `limit((params[:per] || 50).to_i)`: the read, through
    `.to_i`, parentheses and `||`, is the argument of an ActiveRecord `offset`/`limit`."""
    current = read
    while (parent := current.parent) is not None:
        to_i = parent.type == "call" and receiver(parent) == current and call_name(parent) == "to_i"
        if to_i or parent.type in ("parenthesized_statements", "binary"):
            current = parent
        elif parent.type == "argument_list" and parent.parent is not None:
            call = parent.parent
            return call.type == "call" and call_name(call) in ("offset", "limit")
        else:
            return False
    return False


def _type(name: str, to_i: bool) -> ValueType:
    """`*_id`, `per`, `from` and `.to_i` reads are integers; `since`/`until` dates."""
    base = name.removesuffix("_gte").removesuffix("_lte").removesuffix("_gt").removesuffix("_lt")
    if to_i or base.endswith("_id") or base in ("id", "per", "from"):
        return _INTEGER
    if name in ("since", "until"):
        return _DATE_TIME
    return _STRING


def _in_finder(read: Node) -> bool:
    """`Group.find(params[:group_id])`, `Event.find_by!(eventable_id: params[:comment_id])`."""
    parent = read.parent
    if parent is not None and parent.type == "pair":
        parent = parent.parent
    call = parent.parent if parent is not None and parent.type == "argument_list" else None
    return call is not None and call.type == "call" and call_name(call) in _FINDERS


def _conditional(node: Node, body: Node | None) -> bool:
    """Inside a branch, a loop body or the right side of `||`/`&&` within this method."""
    current: Node | None = node.parent
    child = node
    while current is not None and current != body:
        if current.type in _CONDITIONAL:
            return True
        if current.type == "binary" and child == current.child_by_field_name("right"):
            return True
        child = current
        current = current.parent
    return False
