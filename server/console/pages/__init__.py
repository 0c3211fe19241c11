"""The console's pages, one module per area; importing them adds their routes and menu items."""
from server.console.pages import (  # noqa: F401
    admin_log,
    admin_people,
    admin_places,
    cases,
    deputies,
    district,
    duty,
    figures,
    halls,
    home,
    linkage,
    replies,
    session,
    unit,
)
