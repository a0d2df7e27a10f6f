"""Request and response shapes of the auth routes. Requests are strict: wrong types and unknown fields
are refused (422) rather than coerced, so a client bug shows up at once."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, field_validator

from blinkit.clock import Timestamp
from blinkit.forms import BlankIsAbsent, Request
from blinkit.principal import Role

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Platform = Literal["android", "ios", "web"]
IdToken = Annotated[str, StringConstraints(min_length=20, max_length=4096)]
Email = Annotated[str, StringConstraints(max_length=254,  # no control characters: [^@\s] alone lets NUL through
                                         pattern=r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$")]
Pincode = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{5}$")]
# Rounded to 7 places (~1 cm): DynamoDB refuses numbers smaller than 1e-130 (a fuzzer's 5e-324 was a 500).
Latitude = Annotated[float, Field(ge=-90, le=90), AfterValidator(lambda v: round(v, 7))]
Longitude = Annotated[float, Field(ge=-180, le=180), AfterValidator(lambda v: round(v, 7))]


class Device(Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    platform: Platform


GuestCartId = Annotated[str, StringConstraints(pattern=r"^gc_[0-9A-HJKMNP-TV-Z]{26}$")]
GUEST_CART_DOC = "The guest cart (X-Cart-Id) to merge into the user's cart after sign-in"


class LoginRequest(Request):
    id_token: IdToken
    device: Device
    guest_cart_id: GuestCartId | None = Field(None, description=GUEST_CART_DOC)


class GoogleLoginRequest(Request):
    google_id_token: IdToken
    device: Device
    guest_cart_id: GuestCartId | None = Field(None, description=GUEST_CART_DOC)


class ValidateTokenRequest(Request):
    id_token: IdToken


class UserOut(BaseModel):
    uid: str
    phone_number: str | None
    email: str | None = Field(description="The confirmed email: order emails go here")
    pending_email: str | None = Field(
        None, description="An email set but not confirmed yet: it gets nothing but its confirmation link")
    name: str | None
    roles: list[Role]
    store_id: str | None = None
    created_at: Timestamp
    updated_at: Timestamp


class LoginResponse(BaseModel):
    session_token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once")
    session_id: str
    expires_at: Timestamp = Field(description="Absolute end of the session; idle sessions end sooner")
    user: UserOut
    is_new_user: bool
    cart_merge: Literal["merged", "failed"] | None = Field(
        None, description="With guest_cart_id: whether the guest cart was merged (a failure never fails sign-in)")


class RefreshResponse(BaseModel):
    session_token: str
    session_id: str
    expires_at: Timestamp


class ValidateTokenResponse(BaseModel):
    valid: bool
    uid: str
    provider: str | None
    claims: dict[str, object]


class DeviceInfo(BaseModel):
    name: str
    platform: str


class SessionOut(BaseModel):
    session_id: str
    device: DeviceInfo
    created_at: Timestamp
    last_seen_at: Timestamp
    expires_at: Timestamp
    current: bool


class SessionList(BaseModel):
    sessions: list[SessionOut]


class UserPatch(Request):
    name: BlankIsAbsent[Annotated[str, StringConstraints(min_length=1, max_length=80)] | None] = None
    email: BlankIsAbsent[Email | None] = None

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class EmailVerifyIn(Request):
    token: Annotated[str, StringConstraints(min_length=20, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")] = Field(
        description="The `token` of the confirmation link sent to the pending email")


class AddressIn(Request):
    label: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    line1: Text
    line2: BlankIsAbsent[Text | None] = None
    landmark: BlankIsAbsent[Text | None] = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    pincode: Pincode
    lat: Latitude
    lng: Longitude


class AddressPatch(Request):
    label: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    line1: Text | None = None
    line2: BlankIsAbsent[Text | None] = None
    landmark: BlankIsAbsent[Text | None] = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    pincode: Pincode | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class AddressOut(BaseModel):
    address_id: str
    label: str
    line1: str
    line2: str | None
    landmark: str | None
    city: str
    pincode: str
    lat: float
    lng: float
    created_at: Timestamp
    updated_at: Timestamp


class AddressList(BaseModel):
    addresses: list[AddressOut]


class DeviceIn(Request):
    token: Annotated[str, StringConstraints(min_length=20, max_length=1024, pattern=r"^[A-Za-z0-9:_\-.]+$")]
    platform: Platform


class DeviceOut(BaseModel):
    token: str
    platform: str
    registered_at: Timestamp


class RolesIn(Request):
    # JSON has no enums: accept the role's string (strict mode would demand a Role instance).
    roles: Annotated[list[Annotated[Role, Field(strict=False)]], Field(min_length=1, max_length=4)]
    store_id: Annotated[str, StringConstraints(pattern=r"^sto_[0-9A-HJKMNP-TV-Z]{26}$")] | None = Field(
        None, description="Required with store_staff: the dark store they work at")

    @field_validator("roles")
    @classmethod
    def _unique(cls, v: list[Role]) -> list[Role]:
        if len(set(v)) != len(v):
            raise ValueError("roles must not repeat")
        return v


class RolesOut(BaseModel):
    uid: str
    roles: list[Role]
    store_id: str | None = None


class ContactOut(BaseModel):
    uid: str
    name: str | None
    email: str | None
    phone: str | None
    device_tokens: list[str]


class UserIdPage(BaseModel):
    users: list[str]
    next_cursor: str | None
