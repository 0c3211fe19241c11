"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import admin_log, admin_people, admin_places, halls, home, session  # noqa: F401
