"""The products domain: dark stores, serviceability, categories, products, per-store stock and reservations."""
