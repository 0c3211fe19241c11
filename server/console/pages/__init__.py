"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import (  # noqa: F401
    figures,
    home,
    session,
)
