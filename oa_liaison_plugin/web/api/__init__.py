"""The HTTP API for hosts: signed events in, previews, event status (JSON, no session, no CSRF)."""
