"""The carts table: one partition per cart owner, one item per line.

Keys (table `CartsTable`, TTL attribute `expires_at`, epoch seconds):
    pk = USER#<uid>          a signed-in customer's cart (30 days after its last change)
    pk = GUEST#<cart_id>     a guest cart, `X-Cart-Id` (24 hours after its last change)
    sk = META                the header: store_id, line_count, updated_at, expires_at
    sk = LINE#<product_id>   one line: product_id, store_id, quantity, price_at_add, added_at, updated_at,
                             expires_at, header_until (the header's expires_at as this line last set it)
    sk = CLEARED#<order_id>  ClearCart's idempotency marker (expires with the cart's TTL)

DynamoDB deletes expired items late (moto never does), so every read drops items whose `expires_at` has
passed; a write on an expired cart first removes what is left of it. A line lives `ttl` after its last change;
the header `ttl + slack` after the last write that refreshed it (`header_expiry`), so the cart lives at least
`ttl` after its last change and at most `slack` longer. Quantity changes are atomic:
- adding to an existing line is one UpdateItem `ADD quantity :q` whose condition keeps the result within
  the limit (so 20 concurrent adds of one item end with the exact sum, never above the limit); while the
  header will outlive the line's new expiry (the line's `header_until`, which only ever under-states the
  header's, says so) and the line is of the store asked for, that UpdateItem is the whole write
  (`add_to_known_line`); otherwise the header is refreshed first (`add_to_line`);
- a new line is one transaction: the header's `line_count` (`< 50`, same store) `ADD 1` and the line's put
  (`attribute_not_exists`); a concurrent add of the same new line loses the put and falls back to ADD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit import clock
from blinkit.dynamodb import condition_failed_at, connection, update_if
from blinkit.settings import get_settings

META = "META"
LINE = "LINE#"
CLEARED = "CLEARED#"
MAX_LINES = 50
USER_TTL_SECONDS = 30 * 24 * 3600
GUEST_TTL_SECONDS = 24 * 3600
HEADER_SLACK_DIVISOR = 48


class CartItem(Model):
    """Every item of the table (header, line, marker): the attributes of each kind are nullable."""

    class Meta:
        table_name = get_settings().carts_table
        region = get_settings().aws_region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    store_id = UnicodeAttribute(null=True)
    line_count = NumberAttribute(null=True)
    product_id = UnicodeAttribute(null=True)
    quantity = NumberAttribute(null=True)
    price_at_add = NumberAttribute(null=True)
    added_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    header_until = NumberAttribute(null=True)


@dataclass(frozen=True)
class Owner:
    """Whose cart: `USER#<uid>` or `GUEST#<cart_id>`."""

    pk: str
    guest_cart_id: str | None = None

    @classmethod
    def user(cls, uid: str) -> Owner:
        return cls(f"USER#{uid}")

    @classmethod
    def guest(cls, cart_id: str) -> Owner:
        return cls(f"GUEST#{cart_id}", cart_id)

    @property
    def ttl_seconds(self) -> int:
        return GUEST_TTL_SECONDS if self.guest_cart_id else USER_TTL_SECONDS

    @property
    def header_slack_seconds(self) -> int:
        # How long after a header refresh an add may skip the next one: 15 h for users, 30 min for guests.
        return self.ttl_seconds // HEADER_SLACK_DIVISOR


@dataclass(frozen=True)
class Line:
    product_id: str
    quantity: int
    price_at_add: int
    added_at: datetime
    updated_at: datetime


@dataclass
class Cart:
    owner: Owner
    store_id: str | None = None
    line_count: int = 0  # the header's counter, which may include expired lines
    updated_at: datetime | None = None
    lines: list[Line] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)  # product ids of expired lines still stored
    header_expired: bool = False

    @property
    def exists(self) -> bool:
        return self.store_id is not None and not self.header_expired

    def line(self, product_id: str) -> Line | None:
        return next((line for line in self.lines if line.product_id == product_id), None)


class LineLimit(Exception):
    """The line's quantity condition failed: it would exceed `limit` (or the line is gone)."""


class NewLineRefused(Exception):
    """The header refused a new line: the cart is full or holds another store's lines."""


def now_epoch() -> int:
    return int(time.time())


def line_sk(product_id: str) -> str:
    return LINE + product_id


def header_expiry(owner: Owner, now: int) -> int:
    """The header's `expires_at` when refreshed at `now`: the cart's TTL plus the slack adds may skip."""
    return now + owner.ttl_seconds + owner.header_slack_seconds


# Reads ----------------------------------------------------------------------------------------------


def load(owner: Owner) -> Cart:
    """The whole cart in one strongly consistent Query, expired items left out."""
    now = now_epoch()
    cart = Cart(owner)
    for item in CartItem.query(owner.pk, consistent_read=True):
        live = item.expires_at is None or int(item.expires_at) > now
        if item.sk == META:
            cart.store_id = item.store_id
            cart.line_count = int(item.line_count or 0)
            cart.updated_at = item.updated_at
            cart.header_expired = not live
        elif item.sk.startswith(LINE):
            if not live:
                cart.expired.append(str(item.product_id))
                continue
            cart.lines.append(Line(str(item.product_id), int(item.quantity or 0), int(item.price_at_add or 0),
                                   item.added_at or clock.now(), item.updated_at or clock.now()))
    if cart.header_expired:  # the whole cart lapsed: whatever lines remain are leftovers
        cart.expired.extend(line.product_id for line in cart.lines)
        cart.lines = []
    cart.lines.sort(key=lambda line: line.added_at)
    return cart


# Writes ---------------------------------------------------------------------------------------------


def add_to_known_line(owner: Owner, store_id: str, product_id: str, quantity: int, limit: int) -> int | None:
    """The common add in ONE conditional UpdateItem: ADD to a live line of `store_id` whose header outlives the
    line's new expiry, keeping it ≤ limit. Returns the new quantity; None, nothing written, when any of that
    does not hold (no such line, another store's, beyond the limit, a header to refresh): the caller then
    takes the path that reads the cart and says which."""
    now, epoch = clock.now(), now_epoch()
    record = CartItem(pk=owner.pk, sk=line_sk(product_id))
    condition = (CartItem.sk.exists() & (CartItem.store_id == store_id) & (CartItem.expires_at > epoch)
                 & (CartItem.header_until >= epoch + owner.ttl_seconds) & (CartItem.quantity <= limit - quantity))
    actions = [CartItem.quantity.add(quantity), CartItem.updated_at.set(now),
               CartItem.expires_at.set(epoch + owner.ttl_seconds)]
    return int(record.quantity) if update_if(record, actions, condition) else None


def add_to_line(owner: Owner, store_id: str, product_id: str, quantity: int, limit: int) -> int:
    """ADD to an existing live line of the cart at `store_id` (which the caller checked), keeping it ≤ limit, the
    header refreshed first. Returns the new quantity. The line then carries what `add_to_known_line` needs.

    Raises LineLimit when the result would exceed `limit`, and KeyError when the line does not exist.
    """
    now, epoch = clock.now(), now_epoch()
    # The header first: a line's `header_until` must never claim more than the header has.
    refreshed = touch(owner)
    record = CartItem(pk=owner.pk, sk=line_sk(product_id))
    condition = (CartItem.sk.exists() & (CartItem.expires_at > epoch)
                 & (CartItem.quantity <= limit - quantity))
    actions = [CartItem.quantity.add(quantity), CartItem.updated_at.set(now),
               CartItem.expires_at.set(epoch + owner.ttl_seconds), CartItem.store_id.set(store_id)]
    if refreshed is not None:
        actions.append(CartItem.header_until.set(refreshed))
    if not update_if(record, actions, condition):
        if _get_line(owner, product_id) is None:
            raise KeyError(product_id)
        raise LineLimit(product_id)
    return int(record.quantity)


def insert_line(owner: Owner, store_id: str, product_id: str, quantity: int, price: int, *,
                existing_cart: bool = False) -> bool:
    """A new line and the header's count in one transaction. False when the line already exists.

    Raises NewLineRefused when the cart is full, holds another store's lines or has lapsed (or, with
    `existing_cart`, does not exist: a guest's id names a cart only this service made).
    """
    now, epoch = clock.now(), now_epoch()
    expires, header_expires = epoch + owner.ttl_seconds, header_expiry(owner, epoch)
    header = CartItem(pk=owner.pk, sk=META)
    line = CartItem(pk=owner.pk, sk=line_sk(product_id), product_id=product_id, store_id=store_id,
                    quantity=quantity, price_at_add=price, added_at=now, updated_at=now, expires_at=expires,
                    header_until=header_expires)
    header_ok = (CartItem.expires_at > epoch) & (CartItem.line_count < MAX_LINES) & (
        (CartItem.store_id == store_id) | (CartItem.line_count == 0))
    if not existing_cart:
        header_ok = CartItem.pk.does_not_exist() | header_ok
    try:
        with TransactWrite(connection=connection()) as tx:
            # pynamodb sends puts before updates: the line is position 0, the header 1.
            tx.save(line, condition=CartItem.sk.does_not_exist())
            tx.update(header, actions=[CartItem.line_count.add(1), CartItem.store_id.set(store_id),
                                       CartItem.updated_at.set(now), CartItem.expires_at.set(header_expires)],
                      condition=header_ok)
    except TransactWriteError as exc:
        if condition_failed_at(exc, 0):
            return False
        if condition_failed_at(exc, 1):
            raise NewLineRefused(owner.pk) from exc
        raise
    return True


def set_quantity(owner: Owner, product_id: str, quantity: int) -> bool:
    """Set a live line's quantity. False when there is no such line."""
    now = clock.now()
    record = CartItem(pk=owner.pk, sk=line_sk(product_id))
    if not update_if(record, [CartItem.quantity.set(quantity), CartItem.updated_at.set(now),
                              CartItem.expires_at.set(now_epoch() + owner.ttl_seconds)],
                     CartItem.sk.exists() & (CartItem.expires_at > now_epoch())):
        return False
    touch(owner)
    return True


def remove_line(owner: Owner, product_id: str, *, expired_ok: bool = False) -> bool:
    """Delete a line and decrement the header's count together. False when there is no such line."""
    line = CartItem(pk=owner.pk, sk=line_sk(product_id))
    condition = CartItem.sk.exists()
    if not expired_ok:
        condition = condition & (CartItem.expires_at > now_epoch())
    try:
        with TransactWrite(connection=connection()) as tx:  # deletes before updates: the line 0, the header 1
            tx.delete(line, condition=condition)
            tx.update(CartItem(pk=owner.pk, sk=META), actions=[CartItem.line_count.add(-1)],
                      condition=CartItem.pk.exists())
    except TransactWriteError as exc:
        if condition_failed_at(exc, 0):
            return False
        if condition_failed_at(exc, 1):  # a line without a header (should not happen): delete the line alone
            try:
                line.delete(condition=CartItem.sk.exists())
            except DeleteError:
                return False
            return True
        raise
    return True


def touch(owner: Owner) -> int | None:
    """Refresh the header's TTL and time around a line's change (best effort: the line write is what counts).
    Returns the header's new `expires_at`; None when there is no header (nothing to refresh)."""
    expires = header_expiry(owner, now_epoch())
    ok = update_if(CartItem(pk=owner.pk, sk=META),
                   [CartItem.updated_at.set(clock.now()), CartItem.expires_at.set(expires)], CartItem.pk.exists())
    return expires if ok else None


def clear(owner: Owner) -> int:
    """Delete every item of the cart (header, lines, markers excepted). Returns how many lines went."""
    keys = [(item.pk, item.sk) for item in CartItem.query(owner.pk, consistent_read=True,
                                                          attributes_to_get=["pk", "sk"])
            if not item.sk.startswith(CLEARED)]
    with CartItem.batch_write() as batch:
        for pk, sk in keys:
            batch.delete(CartItem(pk=pk, sk=sk))
    return sum(1 for _, sk in keys if sk.startswith(LINE))


def clear_for_order(owner: Owner, order_id: str) -> int | None:
    """ClearCart for `order_id`, exactly once: the deletes and the order's marker are one transaction whose
    marker write is conditional, so concurrent or late copies delete nothing. None when it had already run."""
    keys = [(item.pk, item.sk) for item in CartItem.query(owner.pk, consistent_read=True,
                                                          attributes_to_get=["pk", "sk"])
            if not item.sk.startswith(CLEARED)]
    marker = CartItem(pk=owner.pk, sk=CLEARED + order_id, updated_at=clock.now(),
                      expires_at=now_epoch() + owner.ttl_seconds)
    try:
        # At most 50 lines and the header: within DynamoDB's 100 items per transaction.
        with TransactWrite(connection=connection()) as tx:
            for pk, sk in keys:
                tx.delete(CartItem(pk=pk, sk=sk))
            tx.save(marker, condition=CartItem.sk.does_not_exist())  # pynamodb sends it after the deletes
    except TransactWriteError as exc:
        if condition_failed_at(exc, len(keys)):
            return None
        raise
    return sum(1 for _, sk in keys if sk.startswith(LINE))


def was_cleared(owner: Owner, order_id: str) -> bool:
    try:
        CartItem.get(owner.pk, CLEARED + order_id, consistent_read=True)
    except CartItem.DoesNotExist:
        return False
    return True


def _get_line(owner: Owner, product_id: str) -> CartItem | None:
    try:
        item = CartItem.get(owner.pk, line_sk(product_id), consistent_read=True)
    except CartItem.DoesNotExist:
        return None
    if item.expires_at is not None and int(item.expires_at) <= now_epoch():
        return None
    return item
