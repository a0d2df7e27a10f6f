"""Request bodies as forms send them: `BlankIsAbsent` fields take "" and whitespace as not sent, on a create
(the default applies) and on a PATCH (the field stays unset, so the stored value is left alone); `null`
still means "remove"; every other text field still refuses "" and names itself. The inventory at the end
keeps every domain's request models on the shared base and every optional free-text field marked."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from blinkit.app import create_app
from blinkit.forms import (
    BLANK_IS_ABSENT,
    BLANK_NOTE,
    MULTI_LINE,
    SINGLE_LINE,
    BlankIsAbsent,
    MultiLine,
    Request,
    refuse_control_characters,
)

Text = Annotated[str, StringConstraints(min_length=1, max_length=20)]
BLANKS = ["", " ", "   ", "\t\n", "\u00a0"]  # \u00a0: a no-break space from a phone keyboard


class NoteIn(Request):
    title: Text
    note: BlankIsAbsent[Text | None] = None
    mood: BlankIsAbsent[Text] = "calm"


class NotePatch(Request):
    title: Text | None = None
    note: BlankIsAbsent[Text | None] = None


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_optional_field_on_a_create_takes_its_default(blank: str) -> None:
    body = NoteIn.model_validate({"title": "Shopping", "note": blank, "mood": blank})
    assert (body.note, body.mood) == (None, "calm")
    assert body.model_fields_set == {"title"}
    assert body.model_dump() == {"title": "Shopping", "note": None, "mood": "calm"}


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_optional_field_on_a_patch_is_not_sent_so_the_change_leaves_it_alone(blank: str) -> None:
    assert NotePatch.model_validate({"note": blank}).model_dump(exclude_unset=True) == {}
    assert NotePatch.model_validate_json(json.dumps({"title": "New", "note": blank})).model_dump(
        exclude_unset=True) == {"title": "New"}


def test_null_still_clears_and_text_is_still_trimmed_checked_and_strict() -> None:
    assert NotePatch.model_validate({"note": None}).model_dump(exclude_unset=True) == {"note": None}
    assert NoteIn.model_validate({"title": " a ", "note": "  milk  "}).note == "milk"
    for bad in ({"note": "x" * 21}, {"note": 42}, {"note": ["milk"]}):
        with pytest.raises(ValidationError) as caught:
            NoteIn.model_validate({"title": "a", **bad})
        errors = caught.value.errors()
        assert errors and {e["loc"][0] for e in errors} == {"note"}, errors


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("model", [NoteIn, NotePatch])
def test_a_field_without_the_mark_still_refuses_blank_and_names_itself(model: type[Request], blank: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"title": blank})
    # A blank of tabs or line breaks is refused for those first (issue 18: control characters): still the field.
    expected = "control_characters" if set(blank) & {"\t", "\n"} else "string_too_short"
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(("title",), expected)]


def test_unknown_fields_are_refused_even_when_blank() -> None:
    with pytest.raises(ValidationError) as caught:
        NoteIn.model_validate({"title": "a", "nickname": ""})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_a_mark_on_a_required_field_is_a_mistake_caught_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="need a default: note"):
        class Broken(Request):
            note: BlankIsAbsent[Text]


router = APIRouter()


@router.post("/notes", status_code=201)
async def create_note(body: NoteIn) -> dict[str, Any]:
    return body.model_dump()


@router.patch("/notes/1")
async def patch_note(body: NotePatch) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


def test_the_openapi_keeps_the_field_and_documents_that_blank_is_accepted() -> None:
    app = create_app(title="t", routers=[router])
    schemas = get_openapi(title="t", version="1", routes=app.routes)["components"]["schemas"]
    note = schemas["NoteIn"]["properties"]["note"]
    # Each string also says it takes no control characters (issue 18), except the blank alternative's own.
    assert note["anyOf"] == [{"type": "string", "minLength": 1, "maxLength": 20, "pattern": SINGLE_LINE},
                             {"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]
    assert note["description"] == BLANK_NOTE and note.get("default") is None
    mood = schemas["NoteIn"]["properties"]["mood"]
    assert mood["anyOf"][0] == {"type": "string", "minLength": 1, "maxLength": 20, "pattern": SINGLE_LINE}
    assert mood["default"] == "calm"
    assert schemas["NoteIn"]["required"] == ["title"]
    assert schemas["NoteIn"]["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 20,
                                                        "pattern": SINGLE_LINE, "title": "Title"}


# The inventory ---------------------------------------------------------------------------------------------

DOMAINS = ("auth", "products", "cart", "orders", "notifications", "delivery", "payments")
# Optional text fields of request bodies that deliberately refuse "": identifiers and codes a program sends
# (not something a person types into a form), and fields the resource requires, whose PATCH refuses ""
# as it refuses null.
NOT_BLANKABLE = {
    "auth.LoginRequest.guest_cart_id": "an id",
    "auth.GoogleLoginRequest.guest_cart_id": "an id",
    "auth.RolesIn.store_id": "an id",
    "auth.AddressPatch.label": "required on an address",
    "auth.AddressPatch.line1": "required on an address",
    "auth.AddressPatch.city": "required on an address",
    "auth.AddressPatch.pincode": "required on an address",
    "products.StoreIn.store_id": "an id",
    "products.StorePatch.name": "required on a store",
    "products.StorePatch.address": "required on a store",
    "products.StorePatch.city": "required on a store",
    "blinkit.fees.FeeSettings.late_night_start": "an HH:MM time with a default",
    "blinkit.fees.FeeSettings.late_night_end": "an HH:MM time with a default",
    "products.CategoryIn.category_id": "an id",
    "products.CategoryIn.parent_id": "an id",
    "products.CategoryPatch.name": "required on a category",
    "products.CategoryPatch.slug": "required on a category",
    "products.CategoryPatch.parent_id": "an id",
    "products.ProductIn.product_id": "an id",
    "products.ProductPatch.name": "required on a product",
    "products.ProductPatch.brand": "required on a product",
    "products.ProductPatch.category_id": "required on a product",
    "products.ProductPatch.unit": "required on a product",
    "orders.DeliveryActionIn.otp": "a code (internal route)",
    "orders.CouponIn.valid_from": "a timestamp (left out: now)",
    "orders.CouponIn.valid_until": "a timestamp (null: no end)",
    "orders.CouponPatch.title": "required on a coupon",
    "orders.CouponPatch.valid_from": "a timestamp, required on a coupon",
    "orders.CouponPatch.valid_until": "a timestamp (null: no end)",
}


def _takes_text(annotation: Any) -> bool:
    """A str (possibly Annotated, possibly `| None`); not a Literal, a list or a model."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _takes_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_takes_text(arg) for arg in typing.get_args(annotation))
    return annotation is str


# Request models the layer defines for several domains (a store's fees: products' bodies embed it).
LAYER_SCHEMAS = ("blinkit.fees",)


def _request_models() -> dict[str, type[BaseModel]]:
    found = {}
    for prefix, module_name in [*((d, f"{d}.schemas") for d in DOMAINS), *((m, m) for m in LAYER_SCHEMAS)]:
        module = importlib.import_module(module_name)
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                found[f"{prefix}.{name}"] = cls
    return found


def test_every_request_body_of_every_domain_is_on_the_shared_base() -> None:
    strict_bodies = {name for name, cls in _request_models().items() if cls.model_config.get("extra") == "forbid"}
    not_shared = sorted(n for n in strict_bodies if not issubclass(_request_models()[n], Request))
    assert len(strict_bodies) > 20 and not not_shared, not_shared


def test_every_optional_free_text_field_takes_blank_as_absent_or_is_listed_with_its_reason() -> None:
    unmarked, marked = [], []
    for name, cls in _request_models().items():
        if not issubclass(cls, Request):
            continue
        for field_name, info in cls.model_fields.items():
            where = f"{name}.{field_name}"
            if info.is_required() or not _takes_text(info.annotation):
                continue
            if BLANK_IS_ABSENT in info.metadata:
                marked.append(where)
            elif where not in NOT_BLANKABLE:
                unmarked.append(where)
    assert not unmarked, f"optional text without BlankIsAbsent (mark it, or list it in NOT_BLANKABLE): {unmarked}"
    assert sorted(marked) == sorted([
        "auth.UserPatch.name", "auth.UserPatch.email", "auth.AddressIn.line2", "auth.AddressIn.landmark",
        "auth.AddressPatch.line2", "auth.AddressPatch.landmark", "products.StoreIn.timezone",
        "products.StorePatch.timezone", "products.CategoryIn.image", "products.CategoryPatch.image",
        "products.ProductIn.description", "products.ProductPatch.description", "orders.OrderIn.instructions",
        "orders.CancelIn.reason", "notifications.CustomIn.deep_link",
        # An admin's coupon description: a blank one is none.
        "orders.CouponIn.description", "orders.CouponPatch.description",
        # A code a person types into the checkout's coupon box: an empty box is no coupon.
        "orders.OrderIn.coupon_code", "orders.QuoteIn.coupon_code",
    ])


def test_the_not_blankable_list_names_only_fields_that_exist_and_are_not_marked() -> None:
    models = _request_models()
    for where in NOT_BLANKABLE:
        model_name, field_name = where.rsplit(".", 1)
        info = models[model_name].model_fields[field_name]
        assert not info.is_required() and BLANK_IS_ABSENT not in info.metadata, where


# Control characters (issue 18) -------------------------------------------------------------------------------

REFUSED = {"NUL": "\x00", "BEL": "\x07", "BS": "\x08", "TAB": "\t", "LF": "\n", "VT": "\x0b", "CR": "\r", "ESC": "\x1b",
           "US": "\x1f", "DEL": "\x7f", "PAD": "\x80", "NEL": "\x85", "CSI": "\x9b", "APC": "\x9f"}
KEPT = ["पनीर", "Tamil தமிழ்", "😀 party", "Cafe\u0301", "नमस्ते", "👩‍👩‍👧 family", "price\u00a0₹20",
        "\u2018quotes\u2019 \u2014 dash", "\u00a0\u00a0spaced", "Ünïcödé ß ﬁ", "中文 日本語 한국어", "عربي"]


class ParcelIn(Request):
    label: Text
    note: MultiLine[BlankIsAbsent[Annotated[str, StringConstraints(max_length=200)] | None]] = None
    tags: list[Text] = Field(default_factory=list)
    recipient: NoteIn | None = None


def _control_errors(body: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        ParcelIn.model_validate(body)
    return [(e["loc"], e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize("control", REFUSED.values(), ids=REFUSED.keys())
def test_a_control_character_anywhere_in_a_one_line_field_is_refused_by_name(control: str) -> None:
    for value in (f"{control}Home", f"Ho{control}me", f"Home{control}", f" Home {control} "):
        assert _control_errors({"label": value}) == [(("label",), "control_characters")]
        assert _control_errors({"label": "a", "tags": ["ok", value]}) == [(("tags",), "control_characters")]
        assert _control_errors({"label": "a", "recipient": {"title": value}}) == [
            (("recipient", "title"), "control_characters")]


def test_the_message_names_the_character() -> None:
    with pytest.raises(ValidationError) as caught:
        ParcelIn.model_validate({"label": "a\x1b[31m"})
    assert caught.value.errors()[0]["msg"] == "must not contain control characters (found U+001B)"


@pytest.mark.parametrize("text", KEPT)
def test_scripts_emoji_combining_marks_and_other_unicode_are_kept_as_sent(text: str) -> None:
    parcel = ParcelIn.model_validate({"label": text[:20], "note": text, "tags": [text[:20]]})
    assert (parcel.label, parcel.note, parcel.tags) == (text[:20].strip(), text.strip(), [text[:20].strip()])


def test_a_multi_line_field_takes_line_breaks_only() -> None:
    for note in ("one\ntwo", "one\r\ntwo", "one\n\ntwo\r\n\r\nthree", "पनीर\n😀"):
        assert ParcelIn.model_validate({"label": "a", "note": note}).note == note
    for control in ("\r", "\t", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"):
        assert _control_errors({"label": "a", "note": f"one{control}two"}) == [(("note",), "control_characters")]
    assert _control_errors({"label": "a", "note": "one\r"}) == [(("note",), "control_characters")]  # a lone CR


def test_the_multi_line_mark_must_wrap_the_whole_field() -> None:
    with pytest.raises(TypeError, match="MultiLine must wrap the whole field: notes"):
        class Broken(Request):
            notes: list[MultiLine[Text]] = Field(default_factory=list)


def test_the_openapi_pattern_says_what_the_check_does() -> None:
    schema = ParcelIn.model_json_schema()
    properties = schema["properties"]
    assert properties["label"]["pattern"] == SINGLE_LINE and properties["tags"]["items"]["pattern"] == SINGLE_LINE
    assert properties["note"]["anyOf"][0]["pattern"] == MULTI_LINE
    assert schema["$defs"]["NoteIn"]["properties"]["title"]["pattern"] == SINGLE_LINE
    samples = [*KEPT, *(f"a{c}b" for c in REFUSED.values()), "one\r\ntwo", "one\rtwo", "one\r", "\r\n"]
    for pattern, multi_line in ((SINGLE_LINE, False), (MULTI_LINE, True)):
        for sample in samples:
            try:
                refuse_control_characters(sample, multi_line=multi_line)
                accepted = True
            except PydanticCustomError:
                accepted = False
            assert (re.fullmatch(pattern, sample) is not None) == accepted, (pattern, sample)


def _strings(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, list):
        for item in schema:
            yield from _strings(item, where)
    elif isinstance(schema, dict):
        if schema.get("type") == "string":
            yield where, schema
        for key in ("anyOf", "oneOf", "allOf", "items", "additionalProperties"):
            if key in schema:
                yield from _strings(schema[key], where)


def test_every_text_field_of_every_request_says_which_characters_it_takes() -> None:
    undocumented, multi_line = [], []
    for name, cls in _request_models().items():
        if not issubclass(cls, Request):
            continue
        multi_line += [f"{name}.{field}" for field in cls.multi_line_fields]
        for field, prop in cls.model_json_schema()["properties"].items():
            for where, string in _strings(prop, f"{name}.{field}"):
                if not {"pattern", "enum", "const", "format"} & set(string):
                    undocumented.append(where)
    assert not undocumented, undocumented
    assert sorted(multi_line) == ["notifications.CustomIn.body", "orders.OrderIn.instructions",
                                  "products.ProductIn.description", "products.ProductPatch.description"]


def test_every_text_field_refuses_a_nul_whatever_its_own_pattern() -> None:
    # Fields with a pattern of their own (emails, URLs, ids, codes) refuse it too: the check runs first.
    from auth.schemas import UserPatch
    from products.schemas import CategoryIn

    for model, body in ((UserPatch, {"email": "a\x00@example.com"}),
                        (CategoryIn, {"name": "Dairy", "slug": "dairy", "image": "https://cdn.example.com/a\x00.jpg"})):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(body)
        assert [e["type"] for e in caught.value.errors()] == ["control_characters"]
