"""The console's front door: each role starts on its first page (待办 first)."""
from __future__ import annotations

from flask import redirect, render_template, url_for

from server.console.auth import current_principal
from server.console.blueprint import bp
from server.console.menu import first_page


@bp.get("/")
def home():
    endpoint = first_page(current_principal().role)
    if endpoint is not None and endpoint != "console.home":
        return redirect(url_for(endpoint))
    return render_template("console/home.html")
