"""The mini-program REST API at /api/v1 (it calls server.services)."""
