"""Money is integer paise everywhere; these helpers only convert at the edges (display, input)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


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
