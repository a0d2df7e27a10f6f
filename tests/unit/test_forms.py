"""Request bodies as forms send them: `BlankIsAbsent` fields take "" and whitespace as not sent, on a create
(the default applies) and on a PATCH (the field stays unset, so the stored value is left alone); `null`
still means "remove"; every other text field still refuses "" and names itself. The inventory at the end
keeps every domain's request models on the shared base and every optional free-text field marked."""

from __future__ import annotations

import importlib
import inspect
import json
import types
import typing
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, StringConstraints, ValidationError

from blinkit.app import create_app
from blinkit.forms import BLANK_IS_ABSENT, BLANK_NOTE, BlankIsAbsent, Request

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
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(("title",), "string_too_short")]


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
    assert note["anyOf"] == [{"type": "string", "minLength": 1, "maxLength": 20}, {"type": "null"},
                             {"type": "string", "pattern": r"^\s*$"}]
    assert note["description"] == BLANK_NOTE and note.get("default") is None
    mood = schemas["NoteIn"]["properties"]["mood"]
    assert mood["anyOf"][0] == {"type": "string", "minLength": 1, "maxLength": 20} and mood["default"] == "calm"
    assert schemas["NoteIn"]["required"] == ["title"]
    assert schemas["NoteIn"]["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 20,
                                                        "title": "Title"}


# The inventory ---------------------------------------------------------------------------------------------

DOMAINS = ("auth", "products", "cart", "orders", "notifications", "delivery")
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
    ])


def test_the_not_blankable_list_names_only_fields_that_exist_and_are_not_marked() -> None:
    models = _request_models()
    for where in NOT_BLANKABLE:
        model_name, field_name = where.rsplit(".", 1)
        info = models[model_name].model_fields[field_name]
        assert not info.is_required() and BLANK_IS_ABSENT not in info.metadata, where
