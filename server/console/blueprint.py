"""The console's blueprint and its CSRF guard; page modules add routes to `bp`."""
from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()
