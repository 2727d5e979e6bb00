"""app/serializers/**.rb -> Serializer (ActiveModel::Serializer 0.8 DSL, as written)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tree_sitter import Node

from extractor.errors import Diagnostic, DiagnosticKind
from extractor.model import (
    Association,
    AssociationKind,
    Attribute,
    Constant,
    DynamicAttributes,
    Embed,
    JsonKind,
    Macro,
    MacroCall,
    Method,
    Serializer,
)
from extractor.ruby.nodes import (
    Parsed,
    block_body,
    block_params,
    body_of,
    call_name,
    const_name,
    name_of,
    options,
    parse,
    positional,
    receiver,
    statements,
    strings_of,
    template_of,
    text,
    walk,
)
from extractor.ruby.values import infer, last_expression, may_return_nil
from extractor.sources import SourceFile

# calls that may give an unsaved record, whose `id` (and timestamps) are nil
_BUILDERS = frozenset({"find_or_initialize_by", "first_or_initialize", "new", "build"})
_IGNORED_CALLS = frozenset(
    {"include", "extend", "private", "protected", "public", "require", "delegate"}
)


@dataclass(slots=True)
class _Builder:
    """Mutable collector for one class body; frozen into a Serializer at the end."""

    attributes: list[Attribute] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)
    macros: list[Macro] = field(default_factory=list)
    macro_calls: list[MacroCall] = field(default_factory=list)
    dynamic: list[DynamicAttributes] = field(default_factory=list)
    order: list[tuple[str, int]] = field(default_factory=list)
    embed: Embed | None = None
    root_false: bool = False


def parse_serializers(
    source: SourceFile,
) -> tuple[list[Serializer], list[Constant], list[Diagnostic]]:
    """Every class in a serializer file, with the constants it defines."""
    parsed = parse(source)
    out: list[Serializer] = []
    constants: list[Constant] = []
    diagnostics = list(parsed.diagnostics)
    _scan(parsed, parsed.root, (), out, constants, diagnostics)
    return out, constants, diagnostics


def _scan(
    parsed: Parsed,
    node: Node,
    namespace: tuple[str, ...],
    out: list[Serializer],
    constants: list[Constant],
    diagnostics: list[Diagnostic],
) -> None:
    for child in statements(node if node.type == "program" else body_of(node)):
        if child.type in ("class", "module"):
            name = const_name(child.child_by_field_name("name")) or "?"
            inner = (*namespace, *name.split("::"))
            if child.type == "class":
                out.append(_serializer(parsed, child, inner, constants, diagnostics))
            _scan(parsed, child, inner, out, constants, diagnostics)
        elif child.type == "assignment":
            constant = constant_of(parsed, child, namespace)
            if constant is not None:
                constants.append(constant)


def constant_of(parsed: Parsed, node: Node, namespace: tuple[str, ...]) -> Constant | None:
    """`MODELS = %w(a b)` -> Constant("Ns::MODELS", ("a", "b")); None if not a literal list."""
    left = const_name(node.child_by_field_name("left"))
    values = strings_of(node.child_by_field_name("right"))
    if left is None or values is None:
        return None
    return Constant(name="::".join((*namespace, left)), values=values, loc=parsed.loc(node))


def _serializer(
    parsed: Parsed,
    node: Node,
    name: tuple[str, ...],
    constants: list[Constant],
    diagnostics: list[Diagnostic],
) -> Serializer:
    superclass = node.child_by_field_name("superclass")
    parent = (
        const_name(superclass.named_children[0])
        if superclass and superclass.named_children
        else None
    )
    builder = _Builder()
    for stmt in statements(body_of(node)):
        _statement(parsed, stmt, name, builder, constants, diagnostics)
    return Serializer(
        name="::".join(name),
        parent=parent,
        namespace=name[:-1],
        loc=parsed.loc(node),
        attributes=tuple(builder.attributes),
        associations=tuple(builder.associations),
        embed=builder.embed,
        root_false=builder.root_false,
        methods=tuple(builder.methods),
        macros=tuple(builder.macros),
        macro_calls=tuple(builder.macro_calls),
        dynamic=tuple(builder.dynamic),
        order=tuple(builder.order),
    )


def _statement(
    parsed: Parsed,
    stmt: Node,
    name: tuple[str, ...],
    builder: _Builder,
    constants: list[Constant],
    diagnostics: list[Diagnostic],
) -> None:
    kind = stmt.type
    if kind in ("class", "module"):
        return  # nested classes are scanned separately
    if kind == "method":
        builder.methods.append(summarize_method(parsed, stmt))
    elif kind == "singleton_method":
        builder.macros.append(_macro(parsed, stmt))
    elif kind == "alias":
        new, old = (name_of(c) for c in stmt.named_children[:2])
        _alias(parsed, stmt, builder, new, old)
    elif kind == "assignment":
        constant = constant_of(parsed, stmt, name)
        if constant is not None:
            constants.append(constant)
    elif kind in ("call", "identifier"):
        _call(parsed, stmt, builder, diagnostics)
    else:
        diagnostics.append(_unsupported(parsed, stmt))


def _call(parsed: Parsed, stmt: Node, builder: _Builder, diagnostics: list[Diagnostic]) -> None:
    method = call_name(stmt)
    if method == "send" and receiver(stmt) is None:
        args = positional(stmt)
        method = name_of(args[0]) if args else None
        stmt_args = args[1:]
    else:
        stmt_args = positional(stmt)
    if method in _IGNORED_CALLS:
        return
    if method in ("attributes", "attribute"):
        _attributes(parsed, stmt, stmt_args, builder, diagnostics)
    elif method in ("has_one", "has_many"):
        _association(parsed, stmt, AssociationKind(method), builder)
    elif method == "embed":
        first = name_of(stmt_args[0]) if stmt_args else None
        opts = options(stmt)
        side_loaded = any(text(opts.get(k)) == "true" for k in ("include", "embed_in_root"))
        ids = Embed.IDS if side_loaded else Embed.IDS_ONLY
        builder.embed = ids if first == "ids" else Embed.OBJECTS
    elif method == "root" and stmt_args and text(stmt_args[0]) == "false":
        builder.root_false = True
    elif method == "alias_method" and len(stmt_args) == 2:
        _alias(parsed, stmt, builder, name_of(stmt_args[0]), name_of(stmt_args[1]))
    elif method == "define_method" and stmt_args and name_of(stmt_args[0]):
        builder.methods.append(_defined_method(parsed, stmt, name_of(stmt_args[0]) or ""))
    elif method == "each" and stmt.type == "call":
        _loop(parsed, stmt, builder, diagnostics)
    elif method is not None and receiver(stmt) is None and _literal_args(stmt_args):
        names = tuple(n for a in stmt_args for n in (strings_of(a) or ()))
        builder.macro_calls.append(MacroCall(name=method, args=names, loc=parsed.loc(stmt)))
    else:
        diagnostics.append(_unsupported(parsed, stmt))


def _literal_args(args: list[Node]) -> bool:
    return bool(args) and all(strings_of(a) is not None for a in args)


def _attributes(
    parsed: Parsed, stmt: Node, args: list[Node], builder: _Builder, diagnostics: list[Diagnostic]
) -> None:
    key = name_of(options(stmt).get("key"))
    for arg in args:
        attr = name_of(arg)
        if attr is None:
            diagnostics.append(_unsupported(parsed, stmt, "attribute name is not a literal"))
            continue
        builder.order.append(("attribute", len(builder.attributes)))
        builder.attributes.append(
            Attribute(name=attr, key=key or attr.rstrip("?"), loc=parsed.loc(arg))
        )


def _association(parsed: Parsed, stmt: Node, kind: AssociationKind, builder: _Builder) -> None:
    opts = options(stmt)
    args = positional(stmt)
    serializer = opts.get("serializer")
    for arg in args:
        assoc = name_of(arg)
        if assoc is None:
            continue
        builder.order.append(("association", len(builder.associations)))
        builder.associations.append(
            Association(
                kind=kind,
                name=assoc,
                key=name_of(opts.get("key")),
                serializer=const_name(serializer) if serializer is not None else None,
                root=name_of(opts.get("root")),
                polymorphic=text(opts.get("polymorphic")) == "true",
                loc=parsed.loc(stmt),
            )
        )


def _alias(parsed: Parsed, stmt: Node, builder: _Builder, new: str | None, old: str | None) -> None:
    if new is None:
        return
    original = next((m for m in builder.methods if m.name == old), None)
    loc = parsed.loc(stmt)
    builder.methods.append(
        replace(original, name=new, loc=loc) if original else Method(name=new, loc=loc)
    )


def _loop(parsed: Parsed, stmt: Node, builder: _Builder, diagnostics: list[Diagnostic]) -> None:
    """`CONST.each do |k| attribute :"#{k}_x", key: k end` and literal-list loops."""
    recv = receiver(stmt)
    var = (block_params(stmt) or [""])[0]
    literal = strings_of(recv) if recv is not None else None
    constant = const_name(recv)
    for inner in statements(block_body(stmt)):
        method = call_name(inner)
        args = positional(inner)
        if method == "send" and args:
            method, args = name_of(args[0]), args[1:]
        if method in ("attribute", "attributes") and args:
            key_node = options(inner).get("key")
            template = template_of(args[0], var)
            key_template = template_of(key_node, var) if key_node is not None else template
            if template is None or key_template is None:
                diagnostics.append(
                    _unsupported(parsed, inner, "attribute name in loop is not a template")
                )
            elif literal is not None:
                for value in literal:
                    attr = template.format(value)
                    key = key_template.format(value).rstrip("?")
                    builder.order.append(("attribute", len(builder.attributes)))
                    builder.attributes.append(Attribute(name=attr, key=key, loc=parsed.loc(inner)))
            elif constant is not None:
                builder.dynamic.append(
                    DynamicAttributes(
                        constant=constant,
                        name_template=template,
                        key_template=key_template,
                        loc=parsed.loc(inner),
                    )
                )
            else:
                diagnostics.append(
                    _unsupported(parsed, stmt, "loop over a non-constant collection")
                )
        elif method == "define_method" and args and literal is not None:
            template = template_of(args[0], var)
            for value in literal if template else ():
                builder.methods.append(
                    _defined_method(parsed, inner, (template or "").format(value))
                )
        else:
            diagnostics.append(_unsupported(parsed, inner))


def summarize_method(parsed: Parsed, node: Node) -> Method:
    """A `def` reduced to its evident return type and what it reads."""
    name = text(node.child_by_field_name("name"))
    body = node.child_by_field_name("body")
    return _summary(parsed, name, body, node, param=None)


def _defined_method(parsed: Parsed, stmt: Node, name: str, param: str | None = None) -> Method:
    args = positional(stmt)
    body: Node | None = args[1] if len(args) > 1 else block_body(stmt)
    if body is not None and body.type == "lambda":
        body = block_body(body) or body.child_by_field_name("body")
        if body is not None and body.type in ("block", "do_block"):
            body = next(
                (c for c in body.named_children if c.type in ("block_body", "body_statement")), None
            )
    return _summary(parsed, name, body, stmt, param=param)


def _summary(parsed: Parsed, name: str, body: Node | None, node: Node, param: str | None) -> Method:
    expr = last_expression(body)
    returns = infer(expr)
    recv_name, reads = _reads(expr, param)
    constants = (
        tuple(
            sorted({t for sub in walk(body) if (t := const_name(sub)) and sub.type == "constant"})
        )
        if body
        else ()
    )
    class_names = (
        tuple(
            sorted(
                {
                    n
                    for sub in walk(body)
                    if sub.type in ("string", "bare_string")
                    and (n := name_of(sub))
                    and n[:1].isupper()
                    and n.isidentifier()
                }
            )
        )
        if body is not None
        else ()
    )
    always = None
    if expr is not None and expr.type in ("true", "false") and name.startswith("include_"):
        always = expr.type == "true"
    if returns is not None and returns.kind is JsonKind.NULL and reads:
        returns = None
    return Method(
        name=name,
        loc=parsed.loc(node),
        returns=returns,
        reads=reads,
        receiver=recv_name,
        constants=constants,
        class_names=class_names,
        always=always,
        nilable=may_return_nil(body),
        builds=body is not None
        and any(sub.type == "call" and call_name(sub) in _BUILDERS for sub in walk(body)),
    )


def _reads(expr: Node | None, param: str | None) -> tuple[str | None, str | None]:
    """What a value expression forwards: `object.title` -> (None, "title"),
    `reader.send(attr)` -> ("reader", "{}"), `x ? nil : object.send(name)` -> (None, "{}")."""
    if expr is None:
        return None, None
    if expr.type in ("conditional", "if", "unless"):
        for branch in ("consequence", "alternative"):
            found = _reads(last_expression(expr.child_by_field_name(branch)), param)
            if found[1] is not None:
                return found
        return None, None
    if expr.type == "element_reference":  # object[:volume]
        target = expr.child_by_field_name("object")
        keys = [c for c in expr.named_children if c is not target]
        if text(target) == "object" and len(keys) == 1:
            return None, name_of(keys[0])
        return None, None
    recv = receiver(expr)
    if expr.type != "call" or recv is None or recv.type != "identifier":
        return None, None
    method = call_name(expr)
    args = positional(expr)
    if method == "send" and args:
        read = "{}" if param and text(args[0]) == param else name_of(args[0])
    else:
        read = method
    owner = text(recv)
    return (None if owner == "object" else owner), read


def _macro(parsed: Parsed, node: Node) -> Macro:
    """`def self.hide_when_discarded(names)`: what calling it declares for each name."""
    params = node.child_by_field_name("parameters")
    body = node.child_by_field_name("body")
    reader: Method | None = None
    predicates = declares = False
    loop_vars = {
        text(p)
        for sub in (walk(body) if body is not None else ())
        if sub.type == "block_parameters"
        for p in sub.named_children
    }
    if params is not None:
        loop_vars |= {text(p).lstrip("*") for p in params.named_children}
    for sub in walk(body) if body is not None else ():
        method = call_name(sub) if sub.type == "call" else None
        args = positional(sub) if method else []
        if method == "define_method" and args:
            first = args[0]
            var = next(
                (
                    v
                    for v in loop_vars
                    if template_of(first, v) is not None and "{}" in (template_of(first, v) or "")
                ),
                None,
            )
            if first.type == "identifier" and text(first) in loop_vars:
                candidate = _defined_method(parsed, sub, "{}", param=text(first))
                if reader is None or (candidate.reads == "{}" and reader.reads != "{}"):
                    reader = candidate
            elif var is not None and (template_of(first, var) or "").startswith("include_"):
                predicates = True
        elif method in ("attributes", "attribute"):
            declares = True
    nullable = reader is not None and body is not None and any(s.type == "nil" for s in walk(body))
    return Macro(
        name=text(node.child_by_field_name("name")),
        loc=parsed.loc(node),
        readers=reader is not None,
        reader=reader,
        predicates=predicates,
        declares_attributes=declares,
        nullable=nullable,
    )


def _unsupported(parsed: Parsed, node: Node, why: str = "unknown construct") -> Diagnostic:
    snippet = " ".join(text(node).split())[:60]
    return Diagnostic(
        loc=parsed.loc(node),
        kind=DiagnosticKind.UNSUPPORTED,
        message=f"{why} `{snippet}` in a serializer class body; ignored. "
        "If it declares keys, add them to spec/overrides.yaml.",
    )
