"""The WeChat official-account webhook and chat handlers (they call server.services)."""
