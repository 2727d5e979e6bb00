"""AMS 0.8 semantics: serializers as written -> the keys they emit, typed (pure).

Inheritance, macros (`hide_when_discarded`, `attributes_from_reader`), constants loops,
`include_<name>?` predicates however defined, and embed ids vs. nested objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor import inflect
from extractor.errors import Diagnostic, DiagnosticKind
from extractor.model import (
    App,
    AssociationKind,
    Attribute,
    Column,
    Embed,
    JsonKind,
    Loc,
    Method,
    Serializer,
    Table,
    ValueType,
)

UNTYPED = ValueType(kind=JsonKind.ANY, nullable=True)
_ID = ValueType(kind=JsonKind.INTEGER, nullable=True)
_IDS = ValueType(kind=JsonKind.ARRAY, items=ValueType(kind=JsonKind.INTEGER))


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """Where an association's records go: `has_one :parent, root: :parent_groups`."""

    kind: str  # has_one | has_many | polymorphic
    name: str
    root: str | None
    serializer: str | None
    targets: tuple[str, ...] = ()  # serializers of a polymorphic association's records
    embed: Embed = Embed.IDS


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One key of the emitted record."""

    key: str
    type: ValueType
    required: bool
    loc: Loc
    link: Link | None = None
    typed_by: str = ""  # column | method | name | association | "" (untyped)
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """A serializer with inheritance applied: its keys in emission order."""

    serializer: Serializer
    chain: tuple[str, ...]
    fields: tuple[Field, ...]
    embed: Embed
    table: str | None

    @property
    def name(self) -> str:
        return self.serializer.name


@dataclass(slots=True)
class Resolver:
    """Resolves every serializer of an App; collects diagnostics on the way."""

    app: App
    diagnostics: list[Diagnostic] = field(default_factory=list)
    by_name: dict[str, Serializer] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {s.name: s for s in self.app.serializers}
        self.tables = {t.name: t for t in self.app.tables}
        self.enums = {e.column: e.values for e in sorted(self.app.enums, key=lambda e: e.loc)}
        self.constants = {c.name: c.values for c in self.app.constants}
        for s in self.app.serializers:
            parent = self.parent_of(s)
            if parent is not None:
                self.children.setdefault(parent.name, []).append(s.name)

    # -- names ------------------------------------------------------------------------------

    def lookup(self, name: str, namespace: tuple[str, ...]) -> str | None:
        """Ruby constant lookup: `BaseSerializer` inside `Pending` -> `Pending::BaseSerializer`."""
        for i in range(len(namespace), -1, -1):
            candidate = "::".join((*namespace[:i], name))
            if candidate in self.by_name:
                return candidate
        return None

    def parent_of(self, s: Serializer) -> Serializer | None:
        if s.parent is None:
            return None
        found = self.lookup(s.parent, s.namespace)
        if found == s.name:  # `class Notification::EventSerializer < EventSerializer`
            found = s.parent if s.parent in self.by_name else None
        return self.by_name[found] if found else None

    def chain(self, s: Serializer) -> list[Serializer]:
        """`CurrentUserSerializer` -> [ApplicationSerializer, Author, User, CurrentUser]."""
        out = [s]
        while (parent := self.parent_of(out[-1])) is not None and parent not in out:
            out.append(parent)
        return out[::-1]

    def table_for(self, s: Serializer) -> Table | None:
        """The model table: own name, then ancestors, then subclasses (Author -> users)."""
        for candidate in [
            *self.chain(s)[::-1],
            *(self.by_name[c] for c in self.children.get(s.name, [])),
        ]:
            base = candidate.short_name.removesuffix("Serializer")
            table = self.tables.get(inflect.tableize(base)) if base else None
            if table is not None:
                return table
        return None

    def serializer_for_class(self, class_name: str, namespace: tuple[str, ...] = ()) -> str | None:
        return self.lookup(f"{class_name}Serializer", namespace)

    # -- resolution -------------------------------------------------------------------------

    def resolve_all(self) -> list[Resolved]:
        return [self.resolve(s) for s in sorted(self.app.serializers, key=lambda s: s.name)]

    def resolve(self, s: Serializer) -> Resolved:
        chain = self.chain(s)
        methods, nullable_readers, predicates = self._methods(chain)
        embed = next((c.embed for c in reversed(chain) if c.embed is not None), Embed.OBJECTS)
        table = self.table_for(s)
        attributes = self._attributes(chain)
        fields: dict[str, Field] = {}
        for attr in attributes:
            fields.setdefault(
                attr.key, self._attribute(attr, methods, nullable_readers, predicates, table)
            )
        for assoc_field in self._associations(chain, embed, methods, predicates):
            existing = fields.get(assoc_field.key)
            if existing is not None:
                assoc_field = Field(
                    key=assoc_field.key,
                    type=assoc_field.type,
                    required=existing.required or assoc_field.required,
                    loc=assoc_field.loc,
                    link=assoc_field.link,
                    typed_by="association",
                    note=existing.note,
                )
            fields[assoc_field.key] = assoc_field
        return Resolved(
            serializer=s,
            chain=tuple(c.name for c in chain),
            fields=tuple(fields.values()),
            embed=embed,
            table=table.name if table else None,
        )

    def _methods(
        self, chain: list[Serializer]
    ) -> tuple[dict[str, Method], set[str], dict[str, Method]]:
        """Instance methods by name (subclass wins; a later `def` beats a macro's reader)."""
        methods: dict[str, Method] = {}
        nullable: set[str] = set()
        for cls in chain:
            for call in cls.macro_calls:
                macro = next(
                    (m for c in reversed(self.chain(cls)) for m in c.macros if m.name == call.name),
                    None,
                )
                if macro is None:
                    if call.name not in ("hide_when_discarded",):
                        self._note(
                            call.loc,
                            DiagnosticKind.UNSUPPORTED,
                            f"class macro `{call.name}` is not defined in this serializer or its ancestors; "
                            "its effect is unknown. Describe it in spec/overrides.yaml.",
                        )
                    continue
                for arg in call.args:
                    if macro.reader is not None:
                        reader = macro.reader
                        methods[arg] = Method(
                            name=arg,
                            loc=call.loc,
                            returns=reader.returns,
                            reads=arg if reader.reads == "{}" else reader.reads,
                            receiver=reader.receiver,
                            nilable=reader.nilable,
                        )
                        if macro.nullable:
                            nullable.add(arg)
                    if macro.predicates:
                        methods[f"include_{arg}?"] = Method(name=f"include_{arg}?", loc=call.loc)
            for method in cls.methods:
                methods[method.name] = method
                nullable.discard(method.name)
        predicates = {
            n: m for n, m in methods.items() if n.startswith("include_") and n.endswith("?")
        }
        return methods, nullable, predicates

    def _attributes(self, chain: list[Serializer]) -> list[Attribute]:
        out: list[Attribute] = []
        for cls in chain:
            out.extend(cls.attributes)
            for call in cls.macro_calls:
                macro = next(
                    (m for c in reversed(self.chain(cls)) for m in c.macros if m.name == call.name),
                    None,
                )
                if macro is not None and macro.declares_attributes:
                    out.extend(
                        Attribute(name=a, key=a.rstrip("?"), loc=call.loc) for a in call.args
                    )
            for dyn in cls.dynamic:
                values = self._constant(dyn.constant, (*cls.namespace, cls.short_name))
                if values is None:
                    self._note(
                        dyn.loc,
                        DiagnosticKind.UNRESOLVED,
                        f"attributes generated from `{dyn.constant}`, which is not a literal list in "
                        "app/models or app/serializers; their keys are unknown. List them in spec/overrides.yaml.",
                    )
                    continue
                out.extend(
                    Attribute(
                        name=dyn.name_template.format(v),
                        key=dyn.key_template.format(v),
                        loc=dyn.loc,
                    )
                    for v in values
                )
        return out

    def _constant(self, name: str, namespace: tuple[str, ...]) -> tuple[str, ...] | None:
        for i in range(len(namespace), -1, -1):
            found = self.constants.get("::".join((*namespace[:i], name)))
            if found is not None:
                return found
        return None

    def _attribute(
        self,
        attr: Attribute,
        methods: dict[str, Method],
        nullable_readers: set[str],
        predicates: dict[str, Method],
        table: Table | None,
    ) -> Field:
        value, typed_by = self._type_of(attr.name, methods, table)
        if not value.known and (by_key := type_from_name(attr.key)) is not None:
            value, typed_by = by_key, "name"
        note = ""
        method = methods.get(attr.name)
        if typed_by == "column" and method is not None and self._forwards_unsaved(method, methods):
            note = f"null when `{method.receiver}` is missing or not saved"
        if attr.name in nullable_readers:
            value, note = (
                value.with_nullable(),
                "null when the record is discarded (hide_when_discarded)",
            )
        predicate = predicates.get(f"include_{attr.name.rstrip('?')}?")
        required = predicate is None or predicate.always is True
        if predicate is not None and predicate.always is False:
            note = "never emitted: its include_ predicate is always false"
        if not value.known:
            self._note(
                attr.loc,
                DiagnosticKind.UNTYPED,
                f"cannot infer the type of attribute `{attr.key}`. Add its type to spec/overrides.yaml.",
                subject=attr.key,
            )
        return Field(
            key=attr.key, type=value, required=required, loc=attr.loc, typed_by=typed_by, note=note
        )

    def _type_of(
        self, name: str, methods: dict[str, Method], table: Table | None
    ) -> tuple[ValueType, str]:
        method = methods.get(name.rstrip("?")) or methods.get(name)
        value, typed_by = self._type_by_name_or_column(name, methods, table)
        if method is None:
            return value, typed_by
        column = self._read_column(method, methods, table)
        if method.returns is not None and method.returns.kind is not JsonKind.NULL:
            value, typed_by = method.returns, "method"
        elif column is not None:
            value, typed_by = self.column_type(column), "column"
        # nil when the body says so, when a branch forwards a nullable column
        # (`new_discussion ? "00000" : object.position_key`), or when it forwards a
        # helper record that may be missing or unsaved (`reader.id` of a new DiscussionReader)
        nilable = (
            method.nilable
            or (column is not None and column.null)
            or (typed_by == "column" and self._forwards_unsaved(method, methods))
        )
        return (value.with_nullable() if nilable and value.known else value), typed_by

    @staticmethod
    def _forwards_unsaved(method: Method, methods: dict[str, Method]) -> bool:
        """`reader.send(attr)` where `reader` may be nil or a new DiscussionReader."""
        helper = methods.get(method.receiver or "")
        return helper is not None and (helper.nilable or helper.builds)

    def _read_column(
        self, method: Method, methods: dict[str, Method], table: Table | None
    ) -> Column | None:
        """The column a method forwards (`object.title`, `reader.send(:volume)`), if known."""
        if method.reads is None:
            return None
        source_table, column_name = table, method.reads
        if method.receiver is not None:
            source_table, column_name = self._receiver_column(method, methods, column_name)
        return source_table.column(column_name) if source_table else None

    def _type_by_name_or_column(
        self, name: str, methods: dict[str, Method], table: Table | None
    ) -> tuple[ValueType, str]:
        permitted = self._permitted_list(name, methods)
        if permitted is not None:
            return permitted, "method"
        # a method named like a column returns that column's shape (`def tags; cache... end`)
        if table is not None and (column := table.column(name.rstrip("?"))) is not None:
            return self.column_type(column), "column"
        by_name = type_from_name(name)
        return (by_name, "name") if by_name is not None else (UNTYPED, "")

    def _permitted_list(self, name: str, methods: dict[str, Method]) -> ValueType | None:
        """`def object; PermittedParams.new; end` + `attribute :user_attributes`: a permit list."""
        obj = methods.get("object")
        resource = name.removesuffix("_attributes")
        if obj is None or "PermittedParams" not in obj.constants or resource == name:
            return None
        if not any(p.resource == resource for p in self.app.permits):
            return None
        return ValueType(kind=JsonKind.ARRAY)

    def _receiver_column(
        self, method: Method, methods: dict[str, Method], column: str
    ) -> tuple[Table | None, str]:
        """`reader.send(:discussion_reader_volume)` where `reader` builds a DiscussionReader
        -> (discussion_readers, "volume")."""
        helper = methods.get(method.receiver or "")
        for const in helper.constants if helper else ():
            table = self.tables.get(inflect.tableize(const))
            if table is None:
                continue
            prefix = inflect.underscore(const.rsplit("::", 1)[-1]) + "_"
            for candidate in (column, column.removeprefix(prefix)):
                if table.column(candidate) is not None:
                    return table, candidate
        return None, column

    def column_type(self, column: Column) -> ValueType:
        base = _SQL_TYPES.get(column.sql_type, UNTYPED)
        if column.sql_type in ("json", "jsonb"):
            if column.default in ("[]",):
                base = ValueType(kind=JsonKind.ARRAY)
            elif column.default in ("{}",):
                base = ValueType(kind=JsonKind.OBJECT)
        enum = self.enums.get(column.name)
        if enum and column.sql_type == "integer":
            base = ValueType(kind=JsonKind.STRING, enum=enum)
        if column.array:
            # A PostgreSQL array keeps NULL elements and Rails reads them back as nil:
            # strong parameters permit `{tags: [nil]}`, so `["a", null]` is stored and sent.
            base = ValueType(kind=JsonKind.ARRAY, items=base.with_nullable())
        return base.with_nullable(column.null)

    def _associations(
        self,
        chain: list[Serializer],
        embed: Embed,
        methods: dict[str, Method],
        predicates: dict[str, Method],
    ) -> list[Field]:
        by_name = {}
        for cls in chain:
            for assoc in cls.associations:
                by_name[assoc.name] = (cls, assoc)
        out: list[Field] = []
        for cls, assoc in by_name.values():
            many = assoc.kind is AssociationKind.HAS_MANY
            predicate = predicates.get(f"include_{assoc.name}?")
            required = predicate is None or predicate.always is True
            serializer = None
            if not assoc.polymorphic:
                serializer = self._association_serializer(
                    cls, assoc.name, assoc.serializer, many, assoc.loc
                )
            if assoc.polymorphic:
                targets = self._targets(methods.get(assoc.name), cls.namespace)
                if not targets:
                    self._note(
                        assoc.loc,
                        DiagnosticKind.UNRESOLVED,
                        f"polymorphic association `{assoc.name}`: its record classes are not named in a "
                        f"`{assoc.name}` reader; its sideloads are left open.",
                    )
                link = Link(
                    kind="polymorphic",
                    name=assoc.name,
                    root=None,
                    serializer=None,
                    targets=targets,
                    embed=embed,
                )
                value = _polymorphic_type(targets, self)
                key = assoc.key or assoc.name
            elif embed in (Embed.IDS, Embed.IDS_ONLY):
                root = assoc.root or (assoc.name if many else inflect.pluralize(assoc.name))
                link = Link(
                    kind=assoc.kind.value,
                    name=assoc.name,
                    root=root,
                    serializer=serializer,
                    embed=embed,  # IDS_ONLY: the ids, nothing side-loaded
                )
                value = _IDS if many else _ID
                key = assoc.key or (
                    f"{inflect.singularize(assoc.name)}_ids" if many else f"{assoc.name}_id"
                )
            else:
                link = Link(
                    kind=assoc.kind.value,
                    name=assoc.name,
                    root=None,
                    serializer=serializer,
                    embed=Embed.OBJECTS,
                )
                value = (
                    ValueType(kind=JsonKind.ARRAY)
                    if many
                    else ValueType(kind=JsonKind.OBJECT, nullable=True)
                )
                key = assoc.key or assoc.name
            out.append(
                Field(
                    key=key,
                    type=value,
                    required=required,
                    loc=assoc.loc,
                    link=link,
                    typed_by="association",
                )
            )
        return out

    def _association_serializer(
        self, cls: Serializer, name: str, explicit: str | None, many: bool, loc: Loc
    ) -> str | None:
        guess = (
            explicit or f"{inflect.camelize(inflect.singularize(name) if many else name)}Serializer"
        )
        found = self.lookup(guess, cls.namespace)
        if found is None:
            self._note(
                loc,
                DiagnosticKind.UNRESOLVED,
                f"association `{name}`: serializer `{guess}` not found; its records are left untyped.",
            )
        return found

    def _targets(self, reader: Method | None, namespace: tuple[str, ...]) -> tuple[str, ...]:
        names = reader.class_names if reader is not None else ()
        found = (self.serializer_for_class(n, namespace) for n in names)
        return tuple(sorted({f for f in found if f is not None}))

    def _note(self, loc: Loc, kind: DiagnosticKind, message: str, subject: str = "") -> None:
        self.diagnostics.append(Diagnostic(loc=loc, kind=kind, message=message, subject=subject))


def _polymorphic_type(targets: tuple[str, ...], resolver: Resolver) -> ValueType:
    return ValueType(kind=JsonKind.OBJECT, nullable=True, format="polymorphic")


def type_from_name(name: str) -> ValueType | None:
    """Rails naming conventions: `*_ids`, `*_id`, `*_at`, `*_on`, `*_count`, predicates, `*_url`."""
    bare = name.rstrip("?")
    if bare.endswith("_ids"):
        return _IDS
    if bare == "id" or bare.endswith("_id"):
        return _ID
    if bare.endswith("_at"):
        return ValueType(kind=JsonKind.STRING, format="date-time", nullable=True)
    if bare.endswith("_on"):
        return ValueType(kind=JsonKind.STRING, format="date", nullable=True)
    if bare.endswith("_count") or bare.endswith("_pct"):
        return ValueType(kind=JsonKind.INTEGER, nullable=True)
    if name.endswith("?") or bare.startswith(("is_", "has_", "can_")):
        return ValueType(kind=JsonKind.BOOLEAN, nullable=True)
    if bare == "ranges" or bare.endswith("_ranges"):
        return ValueType(
            kind=JsonKind.ARRAY,
            items=ValueType(kind=JsonKind.ARRAY, items=ValueType(kind=JsonKind.INTEGER)),
        )
    if bare.endswith(("_usernames", "_names", "_emails")):
        return ValueType(kind=JsonKind.ARRAY, items=ValueType(kind=JsonKind.STRING))
    if bare in _STRING_NAMES or bare.endswith(
        ("_url", "_format", "_name", "_type", "_html", "_title", "_email", "_key", "_privacy")
    ):
        return ValueType(kind=JsonKind.STRING, nullable=True)
    return None


_STRING_NAMES = frozenset(
    {
        "email",
        "name",
        "username",
        "title",
        "subtitle",
        "subject",
        "text",
        "description",
        "locale",
        "key",
        "color",
        "kind",
        "message",
        "markdown",
        "blurb",
        "highlight",
        "icon",
        "filename",
        "email_status",
        "avatar_initials",
        "avatar_kind",
        "type",
        "source",
        "logo",
        "themeColor",
    }
)


_SQL_TYPES: dict[str, ValueType] = {
    "string": ValueType(kind=JsonKind.STRING),
    "text": ValueType(kind=JsonKind.STRING),
    "citext": ValueType(kind=JsonKind.STRING),
    "uuid": ValueType(kind=JsonKind.STRING, format="uuid"),
    "inet": ValueType(kind=JsonKind.STRING),
    "integer": ValueType(kind=JsonKind.INTEGER),
    "bigint": ValueType(kind=JsonKind.INTEGER),
    "serial": ValueType(kind=JsonKind.INTEGER),
    "float": ValueType(kind=JsonKind.NUMBER),
    # Rails renders BigDecimal as a string ("1.50")
    "decimal": ValueType(kind=JsonKind.STRING, format="decimal"),
    "boolean": ValueType(kind=JsonKind.BOOLEAN),
    "datetime": ValueType(kind=JsonKind.STRING, format="date-time"),
    "timestamp": ValueType(kind=JsonKind.STRING, format="date-time"),
    "date": ValueType(kind=JsonKind.STRING, format="date"),
    "hstore": ValueType(kind=JsonKind.OBJECT),
    "json": ValueType(kind=JsonKind.ANY, format="json"),
    "jsonb": ValueType(kind=JsonKind.ANY, format="json"),
    "tsvector": ValueType(kind=JsonKind.STRING),
}
