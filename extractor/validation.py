"""The generated document checked with openapi-spec-validator, in a forked worker.

The check dominates `parity extract` on real Loomio, so it is made cheaper and overlapped:

* openapi-spec-validator meta-checks each schema object once *by identity*; `shared()`
  makes equal sub-trees one object (619 query parameters have 3 distinct schemas).
* the worker is forked before extraction: importing the validator overlaps parsing, and
  validating overlaps the YAML dump.
* a document found valid by an earlier run (same bytes, same validator: extractor.cache)
  is not validated again. With a warm cache the worker is forked only if the document is
  new (`prefork=False`): importing the validator for nothing would take a core from the
  extraction on a busy machine. The caller writes to a temporary file and renames it
  only after `Validation.wait()` returned (the spec is still validated before it is written).

Without `os.fork` (Windows) the document is validated in-process.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
from types import TracebackType
from typing import Any

from extractor.errors import InvalidSpec


def shared(value: Any, seen: dict[Any, Any] | None = None) -> Any:
    """A copy of a JSON-like tree where equal dicts and lists are the same object."""
    seen = {} if seen is None else seen
    if isinstance(value, dict):
        items = [(k, shared(v, seen)) for k, v in value.items()]
        key = ("d", tuple((k, _identity(v)) for k, v in items))
        return seen.setdefault(key, dict(items))
    if isinstance(value, list):
        elements = [shared(v, seen) for v in value]
        key = ("l", tuple(_identity(v) for v in elements))
        return seen.setdefault(key, elements)
    return value


def _identity(value: Any) -> Any:
    # children are already shared, so identity stands for content; `True` is not `1`
    return id(value) if isinstance(value, (dict, list)) else (type(value), value)


def check(document: dict[str, Any]) -> str | None:
    """The first reason the document is not valid OpenAPI 3.1, or None."""
    from openapi_spec_validator import validate  # slow import: in the worker, early
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(shared(document), cls=_spec_validator())
    except OpenAPIValidationError as exc:
        return str(exc).splitlines()[0]
    return None


def _spec_validator() -> Any:
    """openapi-spec-validator's OAS 3.1 validator, with each schema object meta-checked
    against the same OAS 3.1 dialect meta-schema by jsonschema-rs instead of pure-Python
    jsonschema (two thirds of the validation time on Loomio; same verdicts on its 101
    schemas and on the invalid ones of tests/extractor/test_validation.py). Schemas that
    name another dialect (`$schema`), or a machine without jsonschema-rs, keep the
    library's own check."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    try:
        import jsonschema_rs
    except ImportError:
        return OpenAPIV31SpecValidator
    from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]  # no stubs
    from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS31Validator
    from openapi_schema_validator.validators import (  # type: ignore[attr-defined]  # not re-exported
        OPENAPI_SPECIFICATIONS,
    )
    from openapi_spec_validator.validation.keywords import OpenAPIV31SchemaValidator

    registry = jsonschema_rs.Registry(
        [(uri, OPENAPI_SPECIFICATIONS.contents(uri)) for uri in OPENAPI_SPECIFICATIONS]
    )
    meta = jsonschema_rs.validator_for(
        OAS31Validator.META_SCHEMA, registry=registry, validate_formats=True
    )

    def meta_check(value: Any) -> None:
        error = next(iter(meta.iter_errors(value)), None)
        if error is not None:
            raise SchemaError(error.message)

    class SchemaMeta(OpenAPIV31SchemaValidator):
        def _get_schema_checker(self, schema: Any, schema_value: Any) -> Any:
            # openapi-spec-validator 0.9.0 (pinned): the dialect the library would check with
            if self._get_schema_dialect_id(schema, schema_value) == OAS31_BASE_DIALECT_ID:
                return meta_check
            return super()._get_schema_checker(schema, schema_value)

    class SpecValidator(OpenAPIV31SpecValidator):
        keyword_validators = {  # noqa: RUF012  # the library declares it a plain class attribute
            **OpenAPIV31SpecValidator.keyword_validators,
            "schema": SchemaMeta,
        }

    return SpecValidator


class Validation:
    """`with Validation() as v: ...; v.submit(doc); ...; v.wait()` (raises InvalidSpec)."""

    def __init__(self, prefork: bool = True) -> None:
        self._prefork = prefork
        self._pid = 0
        self._to_worker = self._from_worker = -1
        self._writer: threading.Thread | None = None
        self._document: dict[str, Any] | None = None
        self._known = False

    def __enter__(self) -> Validation:
        if self._prefork:
            self._start()
        return self

    def _start(self) -> None:
        if not hasattr(os, "fork"):
            return
        doc_r, self._to_worker = os.pipe()
        self._from_worker, verdict_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            try:
                os.close(self._to_worker)
                os.close(self._from_worker)
                _serve(doc_r, verdict_w)
            finally:
                os._exit(0)
        os.close(doc_r)
        os.close(verdict_w)
        self._pid = pid

    def submit(self, document: dict[str, Any]) -> None:
        """Hand the document over; returns at once (a thread feeds the pipe)."""
        if not self._pid and not self._prefork:
            self._start()
        if not self._pid:
            self._document = document
            return
        payload = marshal.dumps(document)
        fd = self._to_worker
        self._to_worker = -1

        def feed() -> None:
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
            except OSError:
                pass  # the worker died; wait() reports it
            finally:
                os.close(fd)

        self._writer = threading.Thread(target=feed, daemon=True)
        self._writer.start()

    def known_valid(self) -> None:
        """The document was found valid by an earlier run (extractor.cache): no worker needed."""
        self._known = True

    def wait(self) -> None:
        """Block until the verdict; raise InvalidSpec if the document is not valid."""
        if self._known:
            return
        if not self._pid:
            reason = check(self._document or {})
        else:
            reason = _read_all(self._from_worker).decode("utf-8", "replace") or (
                "the validation worker exited without a verdict"
            )
            reason = None if reason == "ok" else reason
        if reason is not None:
            raise InvalidSpec(reason)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for fd in (self._to_worker, self._from_worker):
            if fd >= 0:
                os.close(fd)
        self._to_worker = self._from_worker = -1
        if self._writer is not None:
            self._writer.join()
        elif self._pid:  # nothing was submitted (a usage error): no need to finish importing
            os.kill(self._pid, signal.SIGKILL)
        if self._pid:
            os.waitpid(self._pid, 0)
            self._pid = 0


def _serve(doc_r: int, verdict_w: int) -> None:
    """The worker: import the validator, read the document, answer "ok" or the reason."""
    try:
        import openapi_spec_validator  # noqa: F401  # imported while the parent extracts

        payload = _read_all(doc_r)
        if not payload:
            return  # the parent stopped before extracting anything
        verdict = check(marshal.loads(payload)) or "ok"
    except Exception as exc:  # reported to the parent, never a traceback here
        verdict = f"validation failed: {exc!r}"
    os.write(verdict_w, verdict.encode())


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
