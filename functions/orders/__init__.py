"""The orders domain: checkout saga, itemised bill and ETA, and the order lifecycle."""
