"""The extracted Rails application as frozen dataclasses (Rails words only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, slots=True, order=True)
class Loc:
    """A place in the Rails tree; `str(loc) == "app/serializers/user_serializer.rb:14"`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class JsonKind(Enum):
    """The JSON type a Ruby value renders as."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"
    NULL = "null"
    ANY = "any"


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueType:
    """What a value looks like once Rails renders it as JSON."""

    kind: JsonKind
    nullable: bool = False
    format: str | None = None
    items: ValueType | None = None
    enum: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Typed: a JSON kind, or a column whose values are free-form (`jsonb`)."""
        return self.kind is not JsonKind.ANY or self.format is not None

    def with_nullable(self, nullable: bool = True) -> ValueType:
        return ValueType(
            kind=self.kind, nullable=nullable, format=self.format, items=self.items, enum=self.enum
        )


UNKNOWN = ValueType(kind=JsonKind.ANY, nullable=True)


# -- db/schema.rb -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """`t.string "title", limit: 255, null: false` inside `create_table`."""

    name: str
    sql_type: str
    null: bool
    default: str | None
    array: bool
    limit: int | None
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """`create_table "discussions", id: :serial, force: :cascade do |t| ... end`."""

    name: str
    columns: tuple[Column, ...]
    loc: Loc

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


# -- app/models -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelEnum:
    """`enum volume: {mute: 0, quiet: 1}`: an integer column rendered as its name."""

    model: str
    column: str
    values: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Constant:
    """`MODELS = %w(user group)` (full Ruby name): a list macros and loops can expand."""

    name: str
    values: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class PermitList:
    """`def discussion_attributes; [:title, {tags: []}]; end` in PermittedParams."""

    resource: str
    scalars: tuple[str, ...]
    arrays: tuple[str, ...]
    loc: Loc


# -- app/serializers --------------------------------------------------------------------------


class AssociationKind(Enum):
    HAS_ONE = "has_one"
    HAS_MANY = "has_many"


class Embed(Enum):
    """`embed :ids, include: true` (AMS 0.9: `embed_in_root: true`), `embed :ids` alone
    (ids, nothing side-loaded) or the AMS 0.8 default (nested objects)."""

    IDS = "ids"
    IDS_ONLY = "ids_only"
    OBJECTS = "objects"


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribute:
    """`attributes :title` or `attribute :kind_name, key: :"@kind"`."""

    name: str
    key: str
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Association:
    """`has_one :author, serializer: AuthorSerializer, root: :users`."""

    kind: AssociationKind
    name: str
    key: str | None
    serializer: str | None
    root: str | None
    polymorphic: bool
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Method:
    """An instance method of a serializer, summarised for typing.

    `returns` is the evident JSON type of its result; `reads` the column it forwards
    (`object.title`, `object.send(name)`); `receiver` the helper it forwards to
    (`reader.send(attr)`); `constants` the class names it mentions; `nilable` whether
    the body can evidently return nil (`return nil unless x`, `x&.y`, `x ? nil : y`);
    `builds` whether it may return an unsaved record (`find_or_initialize_by`, `X.new`).
    """

    name: str
    loc: Loc
    returns: ValueType | None = None
    reads: str | None = None
    receiver: str | None = None
    constants: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    always: bool | None = None
    nilable: bool = False
    builds: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Macro:
    """A class method that declares things when called (`def self.hide_when_discarded`)."""

    name: str
    loc: Loc
    readers: bool
    reader: Method | None
    predicates: bool
    declares_attributes: bool
    nullable: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MacroCall:
    """`hide_when_discarded [:body]`: a call of a macro defined in this class or an ancestor."""

    name: str
    args: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamicAttributes:
    """`CONST.each { |k| attribute :"#{k}_x", key: k }`: keys come from a constant."""

    constant: str
    name_template: str
    key_template: str
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Serializer:
    """One serializer class as written in its file (inheritance not applied)."""

    name: str
    parent: str | None
    namespace: tuple[str, ...]
    loc: Loc
    attributes: tuple[Attribute, ...] = ()
    associations: tuple[Association, ...] = ()
    embed: Embed | None = None
    root_false: bool = False
    methods: tuple[Method, ...] = ()
    macros: tuple[Macro, ...] = ()
    macro_calls: tuple[MacroCall, ...] = ()
    dynamic: tuple[DynamicAttributes, ...] = ()
    # the order attributes and associations were declared in, as (kind, index)
    order: tuple[tuple[str, int], ...] = field(default=())

    @property
    def short_name(self) -> str:
        return self.name.rsplit("::", 1)[-1]


# -- config/routes.rb -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One expanded route: `PATCH /api/v1/discussions/:id/close -> api/v1/discussions#close`."""

    verb: str
    path: str
    controller: str
    action: str
    loc: Loc
    json: bool = False  # drawn under `defaults: {format: :json}` (or `format: :json`)

    @property
    def to(self) -> str:
        return f"{self.controller}#{self.action}"


# -- app/controllers and app/services ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Render:
    """How a controller method answers (one of its `render`/`respond_with_*` calls).

    kind: envelope (respond_with_*), serialized (render json: records, each_serializer:),
    models (MessageChannelService.serialize_models, no meta), hash (a literal hash),
    keyed (render json: list, root: "k"), bare (root: false / .to_json), ok ({}),
    success ({"success": "success"}), error (an error status), record (`render json: @x`
    or `respond_with @x`: AMS picks the serializer), head (`head :no_content`), opaque
    (unknown body), respond_with (the same through ActionController::Responder).
    """

    kind: str
    loc: Loc
    serializer: tuple[str, ...] = ()
    root: str | None = None
    keys: tuple[tuple[str, ValueType], ...] = ()
    status: int | None = None
    nullable: bool = False
    # what `render json: X` / `respond_with X` renders: its text (`@posts`), the model
    # class it evidently starts from (`Post.where(...)` -> Post) and whether it is a list
    subject: str | None = None
    record: str | None = None
    many: bool | None = None
    serializer_method: str | None = None  # `serializer: offer_serializer`, a method


@dataclass(frozen=True, slots=True, kw_only=True)
class EventAssignment:
    """`@event = service.close(...)`: the response is that event if the call returns one."""

    service: str | None
    method: str | None
    literal_nil: bool
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One thing a controller method does that matters for its response, in source order:
    a call of another method (`call`), a render, an `@event =` assignment, or the record
    class it loads (`self.collection = User.where(...)`)."""

    loc: Loc
    call: str | None = None
    render: Render | None = None
    event: EventAssignment | None = None
    record_class: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """A request parameter a controller method reads: `params[:per]`, `params.require(:poll)`,
    `params.fetch(:x)`, `params["#{name}_lt"]` in a loop over a literal list, and the
    `<model>_id` of `load_and_authorize(:model)` (`model` set).

    `required`: the method fails without it (`params.require`, `fetch` with no default,
    `find(params[:x])`, `load_and_authorize(:x)` without `optional: true`), unconditionally.
    `offset_or_limit`: the value is the argument of `.offset()`/`.limit()` (SnorlaxBase's
    paging: `records.offset(params[:from].to_i).limit((params[:per] || 50).to_i)`).
    """

    name: str
    type: ValueType
    required: bool
    loc: Loc
    model: str | None = None
    offset_or_limit: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A receiver-less call or identifier in a controller method (`accessible_records`):
    a possible call of another method, and whether it sits in a conditional branch."""

    name: str
    conditional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerMethod:
    """A controller method reduced to the steps that decide its response, the request
    parameters it reads and the other methods it may call."""

    name: str
    loc: Loc
    steps: tuple[Step, ...] = ()
    returns: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Controller:
    """`class API::V1::DiscussionsController < API::V1::RestfulController`."""

    name: str
    parent: str | None
    loc: Loc
    methods: tuple[ControllerMethod, ...] = ()

    def method(self, name: str) -> ControllerMethod | None:
        return next((m for m in self.methods if m.name == name), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceMethod:
    """`def self.close(discussion:, actor:)` of `DiscussionService`; does it return an event?"""

    service: str
    name: str
    returns_event: bool
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class App:
    """Everything extracted from one Rails tree."""

    serializers: tuple[Serializer, ...]
    tables: tuple[Table, ...]
    routes: tuple[Route, ...]
    controllers: tuple[Controller, ...]
    services: tuple[ServiceMethod, ...]
    enums: tuple[ModelEnum, ...]
    constants: tuple[Constant, ...]
    permits: tuple[PermitList, ...]
