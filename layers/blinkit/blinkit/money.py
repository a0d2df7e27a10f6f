"""Money is integer paise everywhere; these helpers only convert at the edges (display, input)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MINUS = "\u2212"  # U+2212, the minus sign of a discount on a bill: typeset as wide as the digits


def paise(rupees: str | int | Decimal) -> int:
    """'199.50' → 19950. Refuses floats: they cannot hold paise exactly."""
    if isinstance(rupees, float):
        raise TypeError("use str, int or Decimal for money, never float")
    try:
        value = Decimal(str(rupees))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {rupees!r}") from exc
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_rupees(amount_paise: int) -> str:
    """19950 → '₹199.50'; whole amounts drop the paise: 19900 → '₹199'."""
    sign = "-" if amount_paise < 0 else ""
    rupees, rest = divmod(abs(amount_paise), 100)
    return f"{sign}₹{rupees:,}" + (f".{rest:02d}" if rest else "")


def format_bill_amount(amount_paise: int) -> str:
    """A bill line's amount, always with paise so a column of them lines up, and a negative one (a discount)
    with the minus sign (U+2212, not a hyphen): 2500 → '₹25.00', 43950 → '₹439.50', -7500 → MINUS + '₹75.00'."""
    rupees, rest = divmod(abs(amount_paise), 100)
    return f"{MINUS if amount_paise < 0 else ''}₹{rupees:,}.{rest:02d}"
