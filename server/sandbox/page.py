"""The sandbox's web page at /sandbox: a chat window where a person plays a resident or a deputy."""
from __future__ import annotations

from flask import Blueprint, render_template

from server.demo.people import DEMO_PASSWORD
from server.web.runtime import current_runtime

bp = Blueprint("sandbox_page", __name__, url_prefix="/sandbox", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("")
@bp.get("/")
def chat():
    settings = current_runtime().settings
    return render_template("sandbox/chat.html", safe_mode=bool(settings.wechat_encoding_aes_key),
                           demo_password=DEMO_PASSWORD)
