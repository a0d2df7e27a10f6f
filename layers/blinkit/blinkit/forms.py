"""Request bodies as clients send them: one base model for every domain's requests, `BlankIsAbsent`, and the
rule that keeps control characters out of text.

Mobile and web forms send every field they show, the empty ones as `""`. A field declared
`BlankIsAbsent[...]` takes `""` (or whitespace only) as *not sent*: on a create the field gets its
default, on a PATCH the stored value stays as it is (send `null` to clear an optional field). Blank
values are dropped before validation rather than turned into `None`, because on a PATCH `None` means
"remove it". Every other text field keeps refusing `""` with a 422 that names it.

    class AddressIn(Request):
        line1: Text                               # required: "" is a 422 naming line1
        line2: BlankIsAbsent[Text | None] = None  # "" or "  " is the same as leaving it out

Control characters. Text a person typed never holds one, and a stored one breaks what reads it later (a NUL
ends a C string, ESC drives a terminal, BEL rings it, a stray CR rewrites a log line), so every text field of
every request refuses them: a 422 that names the field (`code` `control_characters`). Refused: the C0 range
U+0000-U+001F, DEL (U+007F) and the C1 range U+0080-U+009F. A field declared `MultiLine[...]` (delivery
instructions, a product description, a broadcast's body) takes line breaks, `\n` and `\r\n`, and refuses the
others, a lone `\r` and `\t` included. Everything else is text: emoji, Indic and other scripts, combining marks.
The check reads the value as sent, before it is trimmed, and the OpenAPI says the same with a `pattern` on
every string that has none of its own (`SINGLE_LINE`, `MULTI_LINE`). Free-text query parameters take the rule
with `Annotated[str, Query(..., pattern=SINGLE_LINE), single_line]` (search's `q` and `brand`).

    class ProductIn(Request):
        name: Name                                                      # one line
        description: MultiLine[BlankIsAbsent[Description | None]] = None  # line breaks too
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, to_jsonable_python

T = TypeVar("T")

BLANK_NOTE = "Empty or whitespace-only counts as not sent."
# What the OpenAPI adds beside the field's own schema, so a client (or a fuzzer) reading it knows "" is accepted.
BLANK_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^\s*$"}


class _BlankMarker:
    """The metadata `BlankIsAbsent` attaches to a field; `Request` looks for it, the OpenAPI shows it."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        documented = dict(handler(schema))
        note = documented.pop("description", None)
        alternatives = documented.pop("anyOf", None) or [documented]
        return {"anyOf": [*alternatives, dict(BLANK_SCHEMA)],
                "description": f"{note} {BLANK_NOTE}" if note else BLANK_NOTE}

    def __repr__(self) -> str:
        return "BLANK_IS_ABSENT"


BLANK_IS_ABSENT = _BlankMarker()
BlankIsAbsent = Annotated[T, BLANK_IS_ABSENT]
"""An optional field for which a blank string means "not sent" (the field must have a default)."""


# What a text field may hold, as the OpenAPI says it (JSON Schema patterns, read by clients and the fuzzer).
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE = r"^(?:[^\x00-\x09\x0b-\x1f\x7f-\x9f]|\r\n)*$"
# What they refuse, found in the value (the same rules, read the other way).
_REFUSED_IN_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REFUSED_IN_LINES = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def refuse_control_characters(value: str, *, multi_line: bool = False) -> str:
    """`value` unchanged, or a validation error naming the first control character it holds."""
    found = (_REFUSED_IN_LINES if multi_line else _REFUSED_IN_ONE_LINE).search(value)
    if found is None:
        return value
    allowed = " other than line breaks" if multi_line else ""
    raise PydanticCustomError("control_characters", "must not contain control characters{allowed} (found {character})",
                              {"allowed": allowed, "character": f"U+{ord(found.group()[0]):04X}"})


def _single_line_query(value: Any) -> Any:
    return refuse_control_characters(value) if isinstance(value, str) else value


single_line = BeforeValidator(_single_line_query)
"""For a free-text query parameter: `Annotated[str, Query(..., pattern=SINGLE_LINE), single_line]` (the
pattern documents the rule; this answers with the field's own message before the pattern is tried)."""


class _MultiLineMarker:
    """The metadata `MultiLine` attaches to a field; `Request` looks for it."""

    def __repr__(self) -> str:
        return "MULTI_LINE"


MULTI_LINE_MARK = _MultiLineMarker()
MultiLine = Annotated[T, MULTI_LINE_MARK]
"""A text field that takes line breaks (`\n`, `\r\n`); mark the field itself (the outermost annotation)."""


def _buried_mark(annotation: Any, *, top: bool = True) -> bool:
    """`MultiLine` somewhere below the field's own (outermost) annotation: inside a union, a list, ..."""
    if typing.get_origin(annotation) is Annotated:
        inner, *metadata = typing.get_args(annotation)
        return (not top and MULTI_LINE_MARK in metadata) or _buried_mark(inner, top=False)
    return any(_buried_mark(arg, top=False) for arg in typing.get_args(annotation))


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))


def _walk_text(value: Any, multi_line: bool, into_dicts: bool) -> None:
    if isinstance(value, str):
        refuse_control_characters(value, multi_line=multi_line)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk_text(item, multi_line, into_dicts)
    elif isinstance(value, dict) and into_dicts:
        for key, item in value.items():
            _walk_text(key, False, into_dicts)
            _walk_text(item, multi_line, into_dicts)


def _document_text(schema: Any, pattern: str) -> None:
    """Add `pattern` to every free string of a property's schema (one without a pattern, format or enum of its
    own); nested models ($ref) document themselves."""
    if isinstance(schema, list):
        for item in schema:
            _document_text(item, pattern)
        return
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(schema):
        schema["pattern"] = pattern
    for key in ("anyOf", "oneOf", "allOf", "items", "prefixItems", "additionalProperties"):
        if key in schema:
            _document_text(schema[key], pattern)


class Request(BaseModel):
    """Base of every request body: strict (wrong types are refused, not coerced), unknown fields refused,
    text trimmed, blank `BlankIsAbsent` fields left out before validation, and control characters refused in
    every text field (line breaks too, except in `MultiLine` fields)."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    blank_is_absent_fields: ClassVar[frozenset[str]] = frozenset()
    multi_line_fields: ClassVar[frozenset[str]] = frozenset()
    model_holding_fields: ClassVar[frozenset[str]] = frozenset()  # nested models check their own text

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        marked = {name for name, info in cls.model_fields.items() if BLANK_IS_ABSENT in info.metadata}
        required = sorted(name for name in marked if cls.model_fields[name].is_required())
        if required:
            # Dropping a blank required field would answer "Field required" for a field the client did send.
            raise TypeError(f"{cls.__name__}: BlankIsAbsent fields need a default: {', '.join(required)}")
        cls.blank_is_absent_fields = frozenset(marked)
        buried = sorted(name for name, info in cls.model_fields.items() if _buried_mark(info.rebuild_annotation()))
        if buried:
            # Inside a union or a list the mark would be silently ignored: the field would refuse line breaks.
            raise TypeError(f"{cls.__name__}: MultiLine must wrap the whole field: {', '.join(buried)}")
        cls.multi_line_fields = frozenset(name for name, info in cls.model_fields.items()
                                          if MULTI_LINE_MARK in info.metadata)
        cls.model_holding_fields = frozenset(name for name, info in cls.model_fields.items()
                                             if _holds_model(info.annotation))

    @model_validator(mode="before")
    @classmethod
    def _leave_out_blank_fields(cls, data: Any) -> Any:
        if not cls.blank_is_absent_fields or not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items()
                if not (key in cls.blank_is_absent_fields and isinstance(value, str) and not value.strip())}

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: Any) -> Any:
        # Before validation: the value as sent, so trimming cannot hide a control character at either end.
        name = info.field_name
        _walk_text(value, name in cls.multi_line_fields, into_dicts=name not in cls.model_holding_fields)
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name, field_schema in properties.items():
            _document_text(field_schema, MULTI_LINE if name in cls.multi_line_fields else SINGLE_LINE)
        return schema


def body_hash(body: Any) -> str:
    """The digest of a request body (its JSON, keys sorted): what an Idempotency-Key is bound to, so a repeat with
    another body is refused. Here, FastAPI-free, for checkout's own idempotency records too (orders.service)."""
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else to_jsonable_python(body)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
