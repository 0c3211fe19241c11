"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import deputies, duty, home, session  # noqa: F401  # noqa: F401  (代表工作)
