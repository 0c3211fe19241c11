"""`/`: the way in — the console, the sandbox, the panoramic window, the open halls and the API reference.

In development it also lists the demo accounts with the demo password, so a newcomer can sign in.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from server.demo.people import DEMO_PASSWORD
from server.halls.queries import list_topics
from server.people.queries import list_accounts
from server.web.runtime import current_runtime

bp = Blueprint("landing", __name__)


@bp.get("/")
def landing():
    runtime = current_runtime()
    settings = runtime.settings
    demo = settings.env == "development"
    halls = list_topics(runtime.uow(), state="open", limit=10)["items"]
    return render_template("landing.html", sandbox=settings.sandbox_enabled, halls=halls,
                           accounts=list_accounts(runtime.uow()) if demo else [],
                           demo_password=DEMO_PASSWORD if demo else None)
