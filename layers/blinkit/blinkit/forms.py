"""Request bodies as clients send them: one base model for every domain's requests, and `BlankIsAbsent`.

Mobile and web forms send every field they show, the empty ones as `""`. A field declared
`BlankIsAbsent[...]` takes `""` (or whitespace only) as *not sent*: on a create the field gets its
default, on a PATCH the stored value stays as it is (send `null` to clear an optional field). Blank
values are dropped before validation rather than turned into `None`, because on a PATCH `None` means
"remove it". Every other text field keeps refusing `""` with a 422 that names it.

    class AddressIn(Request):
        line1: Text                               # required: "" is a 422 naming line1
        line2: BlankIsAbsent[Text | None] = None  # "" or "  " is the same as leaving it out
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

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


class Request(BaseModel):
    """Base of every request body: strict (wrong types are refused, not coerced), unknown fields refused,
    text trimmed, and blank `BlankIsAbsent` fields left out before validation."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    blank_is_absent_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        marked = {name for name, info in cls.model_fields.items() if BLANK_IS_ABSENT in info.metadata}
        required = sorted(name for name in marked if cls.model_fields[name].is_required())
        if required:
            # Dropping a blank required field would answer "Field required" for a field the client did send.
            raise TypeError(f"{cls.__name__}: BlankIsAbsent fields need a default: {', '.join(required)}")
        cls.blank_is_absent_fields = frozenset(marked)

    @model_validator(mode="before")
    @classmethod
    def _leave_out_blank_fields(cls, data: Any) -> Any:
        if not cls.blank_is_absent_fields or not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items()
                if not (key in cls.blank_is_absent_fields and isinstance(value, str) and not value.strip())}
