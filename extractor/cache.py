"""What `parity extract` remembers between runs, by content: per-file facts and verdicts.

* **facts**: what each reader found in a file (serializers, controllers, routes...), keyed
  by the reader, the file's path and the SHA-1 of its text. An edited file is parsed again;
  the others are not. Entries not used by a run are dropped when it saves. With them, the
  answers of extractor.inflect (its regexes are otherwise compiled again by every run).
* **verdicts**: the SHA-256 of each document found valid against its schema (`openapi`:
  openapi-spec-validator; `abilities`: extractor/abilities.schema.json), with its YAML. The
  same document is neither validated nor dumped twice; any other document is validated in
  full.

Both are keyed by a fingerprint of the extractor's own source and schemas and of the parser
and validator versions, so a code or dependency change starts from empty.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import marshal
import os
import pickle
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

from extractor import inflect

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent
_DEPENDENCIES = (
    "tree_sitter",
    "tree_sitter_ruby",
    "openapi_spec_validator",
    "jsonschema_rs",
    "yaml",
    "inflection",
)


def default_dir() -> Path:
    """`$XDG_CACHE_HOME/loomio-parity` (else `~/.cache/loomio-parity`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "loomio-parity"


def fingerprint(package: Path = _PACKAGE) -> str:
    """The extractor's source and schemas, Python's version and the installed parser,
    validators, YAML and inflection packages (their files' size and mtime:
    importlib.metadata alone costs more than a warm run)."""
    digest = hashlib.sha256(sys.version.encode())
    for name in _DEPENDENCIES:
        spec = find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        stat = origin.stat() if origin is not None and origin.exists() else None
        digest.update(f"{name}={origin}:{stat and (stat.st_size, stat.st_mtime_ns)}".encode())
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.json")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


class Cache:
    """`Cache(dir)`: `facts(...)` memoizes a reader; `save()` writes what this run used."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / fingerprint() if directory is not None else None
        self._old: dict[str, Any] = {}
        self._used: dict[str, Any] = {}
        self._learned = 0
        if self.directory is not None:
            self._old, answers = _load(self.directory / "facts.pickle")
            inflect.learn(answers)
            self._learned = len(answers)

    @property
    def cold(self) -> bool:
        """Nothing remembered yet (or no cache): every file will be parsed."""
        return not self._old

    def facts(self, reader: str, path: str, text: str, compute: Callable[[], T]) -> T:
        key = f"{reader}\0{path}\0{hashlib.sha1(text.encode()).hexdigest()}"
        value: T = self._old[key] if key in self._old else compute()
        self._used[key] = value
        return value

    def validated(self, document: dict[str, Any], schema: str) -> tuple[str | None, str]:
        """The YAML of this very document if an earlier run found it valid against `schema`
        (`openapi`, `abilities`), and its key."""
        digest = hashlib.sha256(f"{schema}\0".encode())
        digest.update(marshal.dumps(document, 2))
        key = digest.hexdigest()
        if self.directory is None:
            return None, key
        try:
            return (self.directory / "valid" / key).read_text(encoding="utf-8"), key
        except (OSError, UnicodeDecodeError):
            return None, key

    def remember_valid(self, key: str, text: str) -> None:
        """`text`, the YAML of the document with this key, passed its validation."""
        if self.directory is not None:
            self._write(self.directory / "valid" / key, text.encode())

    def save(self) -> None:
        """Write the facts this run used and the inflections known (only when something
        changed)."""
        if self.directory is None:
            return
        answers = dict(inflect.known())
        if self._used.keys() == self._old.keys() and len(answers) <= self._learned:
            return
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=5).dump((self._used, answers))
        self._write(self.directory / "facts.pickle", buffer.getvalue())

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            pending = path.with_name(f".{path.name}.{os.getpid()}")
            pending.write_bytes(data)
            os.replace(pending, path)
        except OSError:
            pass  # a cache that cannot be written is only a slower next run


def _load(path: Path) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """The facts and inflections of the last run (empty if unreadable). The facts live as
    long as the process, so the cyclic garbage collector neither runs while they are built
    (tens of thousands of objects, each allocation counting towards a collection) nor scans
    them afterwards (`gc.freeze`): ~0.03 s of a warm run on real Loomio went to collections
    finding nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        facts, answers = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        facts, answers = {}, {}
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return facts, answers


class _Pickler(pickle.Pickler):
    """Slotted dataclasses pickled as their class and field values, rebuilt by `_rebuild`: a
    quarter faster to load than dataclasses' own `__setstate__`, which looks the class's
    fields up again for each of the ~17,000 objects of real Loomio's facts."""

    def reducer_override(self, obj: Any) -> Any:
        names = _field_names(type(obj))
        if names is None:
            return NotImplemented
        return _rebuild, (type(obj), tuple(getattr(obj, name) for name in names))


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a slotted dataclass (None for any other class), once per class."""
    if cls not in _FIELD_NAMES:
        slotted = (
            dataclasses.is_dataclass(cls)
            and "__slots__" in cls.__dict__
            and not issubclass(cls, BaseException)
        )
        _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls)) if slotted else None
    return _FIELD_NAMES[cls]


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    """What dataclasses' `__setstate__` does, with the field names looked up once per class."""
    obj = object.__new__(cls)
    for name, value in zip(_FIELD_NAMES.get(cls) or _field_names(cls) or (), values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


NO_CACHE = Cache(None)
