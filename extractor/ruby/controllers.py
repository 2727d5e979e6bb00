"""app/controllers/api/**.rb -> Controller: per method, the steps that decide the response."""

from __future__ import annotations

from dataclasses import replace

from tree_sitter import Node

from extractor import inflect
from extractor.errors import Diagnostic
from extractor.model import (
    Controller,
    ControllerMethod,
    EventAssignment,
    JsonKind,
    Loc,
    Render,
    Step,
    ValueType,
)
from extractor.ruby.nodes import (
    Parsed,
    body_of,
    call_name,
    const_name,
    name_of,
    options,
    parse,
    positional,
    receiver,
    statements,
    text,
    walk,
)
from extractor.ruby.params import read_params
from extractor.ruby.values import infer, last_expression
from extractor.sources import SourceFile

_STATUS = {
    "ok": 200,
    "created": 201,
    "forbidden": 403,
    "not_found": 404,
    "unauthorized": 401,
    "unprocessable_entity": 422,
    "bad_request": 400,
    "accepted": 202,
    "no_content": 204,
    "payment_required": 402,
    "not_acceptable": 406,
    "conflict": 409,
    "gone": 410,
    "unprocessable_content": 422,
    "too_many_requests": 429,
    "internal_server_error": 500,
}
_SIMPLE = {
    "respond_ok": ("ok", 200),
    "success_response": ("success", 200),
    "respond_with_errors": ("error", 422),
}
_NOT_MODELS = ("Query", "Service", "Serializer", "Helper", "Queries::")


def parse_controllers(source: SourceFile) -> tuple[list[Controller], list[Diagnostic]]:
    """Every controller class in a file (nested modules become `A::B::C`)."""
    parsed = parse(source)
    out: list[Controller] = []
    diagnostics = list(parsed.diagnostics)
    _scan(parsed, parsed.root, (), out, diagnostics)
    return out, diagnostics


def _scan(
    parsed: Parsed,
    node: Node,
    namespace: tuple[str, ...],
    out: list[Controller],
    diagnostics: list[Diagnostic],
) -> None:
    for stmt in statements(node if node.type == "program" else body_of(node)):
        if stmt.type not in ("class", "module"):
            continue
        name = (*namespace, *(const_name(stmt.child_by_field_name("name")) or "?").split("::"))
        if stmt.type == "class":
            superclass = stmt.child_by_field_name("superclass")
            parent = (
                const_name(superclass.named_children[0])
                if superclass and superclass.named_children
                else None
            )
            methods = tuple(
                _method(parsed, m, diagnostics)
                for m in statements(body_of(stmt))
                if m.type in ("method", "singleton_method")
            )
            out.append(
                Controller(
                    name="::".join(name), parent=parent, loc=parsed.loc(stmt), methods=methods
                )
            )
        _scan(parsed, stmt, name, out, diagnostics)


def _method(parsed: Parsed, node: Node, diagnostics: list[Diagnostic]) -> ControllerMethod:
    name = text(node.child_by_field_name("name"))
    body = node.child_by_field_name("body")
    steps: list[Step] = []
    for sub in walk(body, skip=frozenset({"lambda"})) if body is not None else ():
        step = _step(parsed, sub)
        if step is not None:
            steps.append(step)
    params, mentions, notes = read_params(parsed, node)
    diagnostics.extend(notes)
    return ControllerMethod(
        name=name,
        loc=parsed.loc(node),
        steps=tuple(steps),
        returns=_returns(body),
        params=tuple(params),
        mentions=tuple(mentions),
    )


def _step(parsed: Parsed, node: Node) -> Step | None:
    loc = parsed.loc(node)
    if node.type == "assignment":
        return _assignment(parsed, node)
    if node.type == "super":
        return Step(loc=loc, call="super")
    if node.type not in ("call", "identifier") or receiver(node) is not None:
        if node.type == "call" and call_name(node) == "serialize_models":
            return Step(loc=loc, render=_models(loc, node))
        return None
    if (
        node.type == "identifier"
        and node.parent is not None
        and node.parent.type
        in (
            "argument_list",
            "assignment",
            "pair",
            "binary",
            "call",
            "block_parameters",
            "method_parameters",
            "keyword_parameter",
            "optional_parameter",
        )
        and not _is_statement(node)
    ):
        return None
    name = call_name(node) or ""
    if name == "render":
        return Step(loc=loc, render=_render(parsed, node))
    if name in ("respond_with_resource", "respond_with_collection"):
        opts = options(node)
        serializer = const_name(opts.get("serializer"))
        return Step(
            loc=loc,
            render=Render(
                kind="envelope",
                loc=loc,
                serializer=(serializer,) if serializer else (),
                root=name_of(opts.get("root")),
            ),
        )
    if name == "respond_with" and node.type == "call":
        return Step(loc=loc, render=_respond_with(loc, node))
    if name == "head" and node.type == "call":
        args = positional(node)
        status = _status(args[0]) if args else None
        kind = "error" if status is not None and status >= 400 else "head"
        return Step(loc=loc, render=Render(kind=kind, loc=loc, status=status or 200))
    if name in _SIMPLE:
        kind, status = _SIMPLE[name]
        return Step(loc=loc, render=Render(kind=kind, loc=loc, status=status))
    if name in ("error_response", "respond_with_error"):
        args = positional(node)
        status = int(text(args[0])) if args and text(args[0]).isdigit() else 500
        return Step(loc=loc, render=Render(kind="error", loc=loc, status=status))
    if name == "instantiate_collection" and node.type == "call":
        record = _record_class(last_expression(_block_of(node)))
        return Step(loc=loc, call=name, record_class=record)
    return Step(loc=loc, call=name)


def _is_statement(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type in (
        "body_statement",
        "then",
        "else",
        "begin",
        "block_body",
    )


def _block_of(node: Node) -> Node | None:
    block = node.child_by_field_name("block")
    if block is None:
        return None
    return next(
        (c for c in block.named_children if c.type in ("body_statement", "block_body")), None
    )


def _assignment(parsed: Parsed, node: Node) -> Step | None:
    left = text(node.child_by_field_name("left"))
    right = node.child_by_field_name("right")
    loc = parsed.loc(node)
    if left == "@event":
        return Step(loc=loc, event=_event(parsed, right))
    if left in ("self.collection", "self.resource") or left.startswith("@"):
        record = _record_class(right)
        return Step(loc=loc, record_class=record) if record else None
    return None


def _event(parsed: Parsed, right: Node | None) -> EventAssignment:
    loc = parsed.loc(right) if right is not None else parsed.loc(parsed.root)
    if right is None or right.type == "nil":
        return EventAssignment(service=None, method=None, literal_nil=True, loc=loc)
    if right.type == "call":
        recv = receiver(right)
        recv_text = text(recv)
        if recv_text == "service":
            return EventAssignment(
                service=None, method=call_name(right), literal_nil=False, loc=loc
            )
        if recv_text.endswith("Service"):
            return EventAssignment(
                service=recv_text, method=call_name(right), literal_nil=False, loc=loc
            )
    return EventAssignment(service="(direct)", method=None, literal_nil=False, loc=loc)


def _record_class(node: Node | None) -> str | None:
    """The model a query chain starts from: `User.where(...)` -> "User"."""
    current = node
    while current is not None and current.type == "call":
        recv = receiver(current)
        if recv is None:
            return None
        current = recv
    name = const_name(current)
    if name is None or any(marker in name for marker in _NOT_MODELS):
        return None
    return name


def _models(loc: Loc, node: Node, status: int | None = None) -> Render:
    """`MessageChannelService.serialize_models(@event)`: an envelope without meta; a list
    argument (`@event.children`) may be empty, and then the body is JSON null."""
    args = positional(node)
    first = text(args[0]) if args else ""
    root = "events" if "event" in first else None
    return Render(kind="models", loc=loc, root=root, status=status, nullable="." in first)


def _render(parsed: Parsed, node: Node) -> Render:
    loc = parsed.loc(node)
    opts = options(node)
    body = opts.get("json")
    status = _status(opts.get("status"))
    root_opt = opts.get("root")
    root = name_of(root_opt)
    serializer = const_name(opts.get("each_serializer") or opts.get("serializer"))
    if body is None and text(opts.get("nothing")) == "true":  # Rails < 5.1: `head` by another name
        kind = "error" if status is not None and status >= 400 else "head"
        return Render(kind=kind, loc=loc, status=status or 200)
    if body is None:
        return Render(kind="opaque", loc=loc, status=status)
    if body.type == "hash":
        keys = tuple((k, v) for k, v in _hash_keys(body))
        kind = "error" if status is not None and status >= 400 else "hash"
        return Render(kind=kind, loc=loc, keys=keys, status=status)
    if body.type == "call" and call_name(body) == "serialize_models":
        return _models(loc, body, status)
    chosen = opts.get("each_serializer") or opts.get("serializer")
    if serializer is None and chosen is not None and chosen.type == "identifier":
        render = _render_json(loc, body, root, root_opt, None, status)
        many = True if "each_serializer" in opts else render.many
        return replace(render, serializer_method=text(chosen), many=many)
    return _render_json(loc, body, root, root_opt, serializer, status, "each_serializer" in opts)


def _render_json(
    loc: Loc,
    body: Node,
    root: str | None,
    root_opt: Node | None,
    serializer: str | None,
    status: int | None,
    each: bool = False,
) -> Render:
    if serializer is not None:
        render = _record(
            Render(kind="serialized", loc=loc, serializer=(serializer,), root=root, status=status),
            body,
        )
        return replace(render, many=True) if each else render
    if (body.type == "call" and call_name(body) == "to_json") or text(root_opt) == "false":
        return _record(Render(kind="bare", loc=loc, status=status), body)
    if root:
        return _record(Render(kind="keyed", loc=loc, root=root, status=status), body)
    return _record(Render(kind="record", loc=loc, status=status), body)


def _respond_with(loc: Loc, node: Node) -> Render:
    """`respond_with @post` (ActionController::Responder: the record for GET and POST,
    `head :no_content` for PATCH/PUT/DELETE; AMS serializes the record)."""
    args = positional(node)
    opts = options(node)
    serializer = const_name(opts.get("each_serializer") or opts.get("serializer"))
    render = Render(
        kind="respond_with",
        loc=loc,
        serializer=(serializer,) if serializer else (),
        root=name_of(opts.get("root")),
        status=_status(opts.get("status")),
    )
    return _record(render, args[-1] if args else None)


_MANY = frozenset({"all", "where", "order", "includes", "limit", "page", "per", "joins", "map"})
_MANY |= frozenset({"select", "search", "paginate", "preload", "eager_load", "offset", "to_a"})
_ONE = frozenset({"find", "find_by", "find_by!", "first", "last", "new", "create", "build"})
_SAME = frozenset({"reload", "decorate", "tap", "compact", "uniq", "distinct", "not", "order"})


def _serializer_instance(body: Node) -> tuple[Node, Node | None] | None:
    """`X.new(record, opts).as_json` where X is a `...Serializer` constant or a method
    (`offer_serializer.new(@offer)`): (X, record)."""
    if body.type != "call" or call_name(body) not in ("as_json", "serializable_hash"):
        return None
    made = receiver(body)
    if made is None or made.type != "call" or call_name(made) != "new":
        return None
    chosen = receiver(made)
    if chosen is None:
        return None
    named = const_name(chosen)
    if not (named and named.endswith("Serializer")) and chosen.type != "identifier":
        return None
    args = positional(made)
    return chosen, args[0] if args else None


def _record(render: Render, body: Node | None) -> Render:
    """What `render json: X` renders: `@posts` (a list, by its plural name), `[post]`
    (a list), `Post.find(1)` (one Post), `group.posts.order(:id)` (a list of posts),
    `Post.recent` (a scope: a list). `subject` is the name that points at the serializer."""
    if body is None:
        return replace(render, kind="opaque")
    instance = _serializer_instance(body)
    if instance is not None:  # `PostSerializer.new(@post, ...).as_json`: that serializer's JSON
        chosen, argument = instance
        named = const_name(chosen)
        found = _record(render, argument)
        if named is not None:
            return replace(found, serializer=(named,), many=False)
        return replace(found, serializer_method=text(chosen), many=False)
    if body.type == "call" and call_name(body) == "to_json":
        return replace(render, subject=text(body))
    many: bool | None = None
    node = body
    if body.type == "array":
        elements = [c for c in body.named_children if c.type != "comment"]
        if not elements:
            return replace(render, subject=text(body), many=True)
        many, node = True, elements[0]
    name: str | None = None
    current: Node | None = node
    while current is not None and current.type == "call":
        method = call_name(current) or ""
        if many is None:
            many = True if method in _MANY else False if method in _ONE else None
        if name is None and method not in _MANY | _ONE | _SAME:
            name = method  # an association (`group.posts`) or a scope (`Post.recent`)
        current = receiver(current)
    if current is not None and current.type in ("instance_variable", "identifier"):
        name = name or text(current).lstrip("@")
    record = _record_class(node)
    if many is None and record is not None and node.type == "call":
        many = True  # `Post.recent`: a scope of the class
    if many is None and name is not None:
        many = inflect.singularize(name) != name
    return replace(render, subject=name or text(body), record=record, many=many)


def _hash_keys(node: Node) -> list[tuple[str, ValueType]]:
    out: list[tuple[str, ValueType]] = []
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = name_of(pair.child_by_field_name("key"))
        value = pair.child_by_field_name("value")
        if key is None:
            continue
        inferred = infer(value) or ValueType(kind=JsonKind.ANY, nullable=True)
        out.append((key, inferred))
    return out


def _status(node: Node | None) -> int | None:
    if node is None:
        return None
    raw = text(node)
    if raw.isdigit():
        return int(raw)
    return _STATUS.get(name_of(node) or "")


def _returns(body: Node | None) -> tuple[str, ...]:
    """Constants and symbols a method evidently returns (`Restricted::UserSerializer`, `:users`),
    and the options a literal hash turns off (`{root: false}` -> "root: false")."""
    expr = last_expression(body)
    if expr is None:
        return ()
    branches: list[Node] = [expr]
    if expr.type in ("if", "unless", "conditional", "case"):
        tails = (last_expression(b) for b in expr.named_children[1:])
        branches = [b for b in tails if b is not None]
    out: list[str] = []
    for branch in branches:
        if branch is None:
            continue
        if branch.type == "hash":  # `def default_serializer_options; {root: false}; end`
            out.extend(
                f"{k}: false"
                for p in branch.named_children
                if p.type == "pair"
                for k, v in [
                    (name_of(p.child_by_field_name("key")), p.child_by_field_name("value"))
                ]
                if k and v is not None and v.type == "false"
            )
            continue
        value = (
            const_name(branch) or name_of(branch)
            if branch.type
            in ("constant", "scope_resolution", "simple_symbol", "string", "delimited_symbol")
            else None
        )
        if value:
            out.append(value)
    return tuple(out)
