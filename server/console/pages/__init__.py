"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import cases, district, figures, home, replies, session, unit  # noqa: F401
