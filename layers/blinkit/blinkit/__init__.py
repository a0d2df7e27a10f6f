"""Shared library of the Blinkit Clone backend, deployed as the `blinkit` Lambda layer."""
