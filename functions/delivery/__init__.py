"""The delivery domain: partners, assignment, live location and tracking."""
