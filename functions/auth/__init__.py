"""The auth domain: Firebase sign-in, Redis sessions, users, addresses, devices and roles."""
