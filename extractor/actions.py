"""Routes + controllers + services -> what each action answers (SnorlaxBase conventions, pure)."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field, replace

from extractor import inflect
from extractor.errors import Diagnostic, DiagnosticKind, Severity
from extractor.model import (
    App,
    Controller,
    ControllerMethod,
    JsonKind,
    Loc,
    Param,
    PermitList,
    Render,
    Route,
    Step,
)

# Render helpers of SnorlaxBase that the extractor reads as terminals, not as calls to inline.
_TERMINALS = frozenset(
    {
        "respond_with_resource",
        "respond_with_collection",
        "respond_ok",
        "success_response",
        "error_response",
        "respond_with_error",
        "respond_with_errors",
        "render",
    }
)
_MAX_DEPTH = 6
_PATH_PARAM = re.compile(r":(\w+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """The success body of an action.

    kind: envelope | models | hash | keyed | bare | ok | success | opaque | missing | proc,
    and for controllers that are not SnorlaxBase-style: record (AMS: `{root: record}`,
    `{root: [records]}` or bare with `root: false`), head (no body), jbuilder (a view the
    extractor does not read).
    """

    kind: str
    root: str | None = None
    serializers: tuple[str, ...] = ()
    meta: bool = False
    nullable: bool = False
    render: Render | None = None
    note: str = ""
    many: bool = False
    status: int = 200

    @property
    def concrete(self) -> bool:
        return self.kind not in ("opaque", "missing", "jbuilder") and (
            self.kind not in ("envelope", "record") or bool(self.serializers)
        )

    @property
    def json(self) -> bool:
        """The action answers JSON (what `parity extract` keeps by default)."""
        return self.kind not in ("opaque", "missing", "proc", "head")


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One route with the controller method that serves it and what it answers."""

    route: Route
    controller: Controller | None
    method: ControllerMethod | None
    answer: Answer
    errors: tuple[Render, ...]
    permit: PermitList | None
    has_body: bool
    params: tuple[Param, ...] = ()  # query parameters, by name
    json_controller: bool = False  # its controller inherits ActionController::API

    @property
    def implemented(self) -> bool:
        return self.method is not None


@dataclass(slots=True)
class ActionReader:
    """Finds and interprets the controller method of each route."""

    app: App
    serializer_names: frozenset[str]
    views: frozenset[str] = frozenset()  # app/views/**/*.jbuilder, relative to app/views
    diagnostics: list[Diagnostic] = field(default_factory=list)
    controllers: dict[str, Controller] = field(default_factory=dict)
    services: dict[tuple[str, str], bool] = field(default_factory=dict)
    _methods: dict[str, tuple[dict[str, ControllerMethod], dict[int, int]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        self.controllers = {c.name.lower(): c for c in self.app.controllers}
        self.services = {(s.service, s.name): s.returns_event for s in self.app.services}

    def _methods_of(
        self, chain: list[Controller]
    ) -> tuple[dict[str, ControllerMethod], dict[int, int]]:
        """`_methods_by_name(chain)`, once per controller."""
        methods = self._methods.get(chain[0].name)
        if methods is None:
            methods = self._methods[chain[0].name] = _methods_by_name(chain)
        return methods

    def controller_for(self, route: Route) -> Controller | None:
        return self.controllers.get(f"{inflect.camelize(route.controller)}Controller".lower())

    def chain(self, controller: Controller) -> list[Controller]:
        out = [controller]
        while out[-1].parent is not None:
            parent = self._parent(out[-1])
            if parent is None or parent in out:
                break
            out.append(parent)
        return out

    def _parent(self, controller: Controller) -> Controller | None:
        name = (controller.parent or "").lower()
        namespace = controller.name.lower().split("::")[:-1]
        for i in range(len(namespace), -1, -1):
            found = self.controllers.get("::".join([*namespace[:i], name]))
            if found is not None:
                return found
        return None

    def describe(self, route: Route) -> Action:
        if route.action == "(proc)":
            return Action(
                route=route,
                controller=None,
                method=None,
                answer=Answer(kind="proc"),
                errors=(),
                permit=None,
                has_body=False,
            )
        controller = self.controller_for(route)
        chain = self.chain(controller) if controller else []
        method = self._methods_of(chain)[0].get(route.action) if chain else None
        if controller is None or method is None:
            return Action(
                route=route,
                controller=controller,
                method=None,
                answer=Answer(kind="missing"),
                errors=(),
                permit=None,
                has_body=False,
            )
        steps = list(self._expand(chain, method, 0, set()))
        answer, errors = self._interpret(route, chain, steps)
        if answer.kind == "opaque" and answer.render is None:
            view = f"{route.controller}/{route.action}.json.jbuilder"
            if view in self.views:  # the implicit render of a jbuilder template
                answer = Answer(kind="jbuilder", note=f"app/views/{view}")
        resource = inflect.singularize(route.controller.rsplit("/", 1)[-1])
        methods = self._methods_of(chain)
        writes = route.action in ("create", "update") or _reads_resource_params(methods, method)
        permit = (
            next((p for p in self.app.permits if p.resource == resource), None) if writes else None
        )
        return Action(
            route=route,
            controller=controller,
            method=method,
            answer=answer,
            errors=tuple(errors),
            permit=permit,
            has_body=writes,
            params=query_params(route, chain, method, methods),
            json_controller=self.json_controller(chain),
        )

    def json_controller(self, chain: list[Controller]) -> bool:
        """Inherits ActionController::API (rails-api and Rails API apps)."""
        return chain[-1].parent in ("ActionController::API", "ActionController::Metal")

    def _expand(
        self, chain: list[Controller], method: ControllerMethod, depth: int, seen: set[str]
    ) -> list[Step]:
        """The method's steps with calls of other controller methods inlined (`super` too)."""
        out: list[Step] = []
        for step in method.steps:
            out.append(step)
            name = step.call
            if name is None or name in _TERMINALS or depth >= _MAX_DEPTH:
                continue
            if name == "super":
                owner = next((i for i, c in enumerate(chain) if method in c.methods), 0)
                target = _find(chain[owner + 1 :], method.name)
            else:
                target = self._methods_of(chain)[0].get(name)
            key = f"{id(target)}"
            if target is None or target is method or key in seen:
                continue
            out.extend(self._expand(chain, target, depth + 1, seen | {key}))
        return out

    def _interpret(
        self, route: Route, chain: list[Controller], steps: list[Step]
    ) -> tuple[Answer, list[Render]]:
        event: bool | None = None
        record: str | None = None
        errors: list[Render] = []
        answer: Answer | None = None
        head: Answer | None = None  # `head :ok` is often an early return: a body wins
        for step in steps:
            if step.event is not None:
                event = self._is_event(route, chain, step)
            if step.record_class is not None:
                record = step.record_class
            render = step.render
            if render is None:
                continue
            if render.kind == "error" or (render.status or 200) >= 400:
                errors.append(render)
            elif render.kind == "head":
                head = head or Answer(kind="head", render=render, status=render.status or 200)
            elif answer is None:
                answer = self._answer(route, chain, render, event, record)
        return answer or head or Answer(kind="opaque", note="no render found"), errors

    def _is_event(self, route: Route, chain: list[Controller], step: Step) -> bool:
        assignment = step.event
        assert assignment is not None
        if assignment.literal_nil:
            return False
        if assignment.service == "(direct)":
            return True
        service = (
            assignment.service
            or _override(chain, "service")
            or (
                inflect.camelize(inflect.singularize(route.controller.rsplit("/", 1)[-1]))
                + "Service"
            )
        )
        known = self.services.get((service, assignment.method or ""))
        if known is None:
            self.diagnostics.append(
                Diagnostic(
                    loc=assignment.loc,
                    kind=DiagnosticKind.UNRESOLVED,
                    severity=Severity.INFO,
                    message=f"`{service}.{assignment.method}` not found in app/services; assumed to return "
                    "an event (root `events`).",
                )
            )
            return True
        return known

    def _answer(
        self,
        route: Route,
        chain: list[Controller],
        render: Render,
        event: bool | None,
        record: str | None,
    ) -> Answer:
        snorlax = "respond_with_resource" in self._methods_of(chain)[0]
        if not snorlax and render.kind in ("record", "respond_with", "serialized", "keyed", "bare"):
            return self._record(route, chain, render, record)
        if render.kind in ("record", "respond_with"):
            return Answer(kind="opaque", render=render)
        if render.kind not in ("envelope", "serialized", "models"):
            return Answer(kind=render.kind, root=render.root, render=render)
        if render.kind == "models":
            root = render.root or ("events" if event else None)
            serializers = ("EventSerializer",) if root == "events" else ()
            return Answer(
                kind="models",
                root=root,
                serializers=self._known(serializers),
                nullable=render.nullable,
                render=render,
            )
        if event and not render.serializer:
            return Answer(
                kind="envelope",
                root=render.root or "events",
                serializers=self._known(("EventSerializer",)),
                meta=True,
                render=render,
            )
        base = route.controller.rsplit("/", 1)[-1]
        record_class = record if record and self._is_model(record) else None
        record_class = (
            record_class
            or _override(chain, "resource_class")
            or inflect.camelize(inflect.singularize(base))
        )
        overridden = _overrides(chain, "serializer_class")
        named: tuple[str, ...] = render.serializer or overridden or (f"{record_class}Serializer",)
        root = render.root or _override(chain, "serializer_root") or inflect.tableize(record_class)
        return Answer(
            kind="envelope",
            root=root,
            serializers=self._known(named),
            meta=render.kind == "envelope",
            render=render,
        )

    def _record(
        self, route: Route, chain: list[Controller], render: Render, record: str | None
    ) -> Answer:
        """AMS 0.8/0.9 `render json: X` / `respond_with X`: X's serializer (by name or
        the model it starts from), under the root AMS picks: the serializer's name for
        one record, the controller's name for a list, none with `root: false`."""
        subject = render.subject or ""
        if subject.endswith(".to_json"):
            return Answer(kind="opaque", render=render, note=f"renders {subject}, a string")
        responder = render.kind == "respond_with"  # ActionController::Responder#api_behavior
        if responder and route.verb in ("PATCH", "PUT", "DELETE"):
            return Answer(kind="head", render=render, status=204)
        by_name = self._methods_of(chain)[0]
        chosen = by_name.get(render.serializer_method) if render.serializer_method else None
        guesses = self._serializers_for(subject, render.record, record)
        namespace = chain[0].name.split("::")[:-1]  # AMS 0.9 also looks in the controller's
        namespaced = [
            "::".join([*namespace[:i], g]) for i in range(len(namespace), 0, -1) for g in guesses
        ]
        names = [*render.serializer, *(chosen.returns if chosen else ()), *guesses, *namespaced]
        found = self._known(tuple(dict.fromkeys(names)))[:1]
        if not found and render.kind in ("serialized", "keyed", "bare"):
            return Answer(kind=render.kind, root=render.root, render=render)
        if not found:
            return Answer(kind="opaque", render=render, note=f"no serializer found for {subject}")
        serializer = next(s for s in self.app.serializers if s.name == found[0])
        many = bool(render.many)
        defaults = by_name.get("default_serializer_options")  # AMS 0.8: `{root: false}`
        if (
            render.kind == "bare"
            or serializer.root_false
            or (defaults is not None and "root: false" in defaults.returns and not render.root)
        ):
            root = None
        elif render.root:
            root = render.root
        elif many:
            root = route.controller.rsplit("/", 1)[-1]
        else:
            root = inflect.underscore(serializer.short_name).removesuffix("_serializer")
        status = render.status or (201 if responder and route.verb == "POST" else 200)
        return Answer(
            kind="record", root=root, serializers=found, many=many, render=render, status=status
        )

    def _serializers_for(self, subject: str, *classes: str | None) -> list[str]:
        """`@posts` -> PostSerializer; `current_user` -> UserSerializer; `Post.find` -> Post."""
        name = subject.lstrip("@").removeprefix("current_")
        from_name = inflect.camelize(inflect.singularize(name)) if name.isidentifier() else None
        return [f"{c}Serializer" for c in (from_name, *classes) if c]

    def _is_model(self, class_name: str) -> bool:
        return any(t.name == inflect.tableize(class_name) for t in self.app.tables)

    def _known(self, serializers: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s for s in serializers if s in self.serializer_names)


def query_params(
    route: Route,
    chain: list[Controller],
    method: ControllerMethod,
    methods: tuple[dict[str, ControllerMethod], dict[int, int]] | None = None,
) -> tuple[Param, ...]:
    """The parameters an action reads, following the methods it may call (`index` ->
    `instantiate_collection` -> `accessible_records` -> `params[:from]`). Path parameters
    are left out, and so is `load_and_authorize(:discussion)` in discussions#show (`:id`).
    A parameter is required when some unconditional path fails without it."""
    path_params = set(_PATH_PARAM.findall(route.path))
    resource = inflect.singularize(route.controller.rsplit("/", 1)[-1])
    by_name, owner = methods or _methods_by_name(chain)
    found: dict[str, Param] = {}
    queue = deque([(method, True)])
    queued = {(id(method), True)}  # breadth first: a method's first visit is the one kept
    while queue:
        current, sure = queue.popleft()
        for p in current.params:
            if p.name not in path_params and not (p.model == resource and "id" in path_params):
                found[p.name] = _merge_param(found.get(p.name), p, sure)
        for mention in current.mentions:
            if mention.name == "super":
                target = _find(chain[owner.get(id(current), 0) + 1 :], current.name)
            else:
                target = by_name.get(mention.name)
            if target is None:
                continue
            key = (id(target), sure and not mention.conditional)
            if key not in queued:
                queued.add(key)
                queue.append((target, key[1]))
    return tuple(found[name] for name in sorted(found))


def _reads_resource_params(
    methods: tuple[dict[str, ControllerMethod], dict[int, int]], method: ControllerMethod
) -> bool:
    """The action may call SnorlaxBase's `resource_params` (`PermittedParams#poll`:
    `params.require(:poll).permit(...)`), so it reads a `{poll: {...}}` body and answers
    400 without one (`polls#reopen` -> `service.reopen(params: resource_params)`)."""
    by_name, _ = methods
    queue, seen = [method], set[int]()
    while queue:
        current = queue.pop()
        if current.name == "resource_params":
            return True
        if id(current) in seen:
            continue
        seen.add(id(current))
        queue.extend(by_name[m.name] for m in current.mentions if m.name in by_name)
    return False


def _methods_by_name(
    chain: list[Controller],
) -> tuple[dict[str, ControllerMethod], dict[int, int]]:
    """The chain's methods by name (most derived wins), and each method's controller index."""
    by_name: dict[str, ControllerMethod] = {}
    owner: dict[int, int] = {}
    for index, controller in enumerate(chain):
        for m in controller.methods:
            by_name.setdefault(m.name, m)
            owner.setdefault(id(m), index)
    return by_name, owner


def _merge_param(old: Param | None, new: Param, sure: bool) -> Param:
    """Required if any unconditional read requires it; an integer if any read says so
    (`if params[:x]` first, `params[:x].to_i` later)."""
    required = new.required and sure
    if old is None:
        return new if new.required == required else replace(new, required=required)
    merged = replace(old, required=True) if required and not old.required else old
    if old.type.kind is JsonKind.STRING and new.type.kind is JsonKind.INTEGER:
        merged = replace(merged, type=new.type)
    if new.offset_or_limit and not merged.offset_or_limit:
        merged = replace(merged, offset_or_limit=True)
    return merged


def _find(chain: list[Controller], name: str) -> ControllerMethod | None:
    for controller in chain:
        method = controller.method(name)
        if method is not None:
            return method
    return None


def _overrides(chain: list[Controller], name: str) -> tuple[str, ...]:
    """What a controller's own override returns; the base class's defaults (SnorlaxBase's
    `serializer_class`, computed at run time) are not overrides."""
    method = _find(chain[:-1], name)
    return method.returns if method is not None else ()


def _override(chain: list[Controller], name: str) -> str | None:
    values = _overrides(chain, name)
    return values[0] if values else None


def action_loc(action: Action) -> Loc:
    return action.method.loc if action.method is not None else action.route.loc
