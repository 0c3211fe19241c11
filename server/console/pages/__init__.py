"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import home, session  # noqa: F401
from server.console.pages import cases, district, replies, unit  # noqa: F401
