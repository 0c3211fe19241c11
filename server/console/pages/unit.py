"""A handling unit's (承办单位) cases by deadline, and the ones its head gave to me (我的)."""
from __future__ import annotations

from server.console.auth import staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.console.pages.cases import read_filters, render_queue
from server.people.rules import Role

menu_item(group="待办", label="本单位待办", endpoint="console.unit_cases", roles={Role.handling_unit}, order=10)
menu_item(group="待办", label="我的", endpoint="console.my_cases", roles={Role.handling_unit}, order=11)


@bp.get("/unit/cases")
@staff_required(Role.handling_unit)
def unit_cases():
    return render_queue("console/cases/queue.html", "本单位待办", "console.unit_cases", read_filters())


@bp.get("/unit/mine")
@staff_required(Role.handling_unit)
def my_cases():
    return render_queue("console/cases/queue.html", "我的", "console.my_cases", read_filters(mine=True))
