"""The district committee (区人大常委会): escalated and overdue cases across streets, to re-route."""
from __future__ import annotations

from server.console.auth import staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.console.pages.cases import read_filters, render_queue
from server.people.rules import Role

menu_item(group="待办", label="提级与超时", endpoint="console.district_watch", roles={Role.district_committee},
          order=10)


@bp.get("/district/cases")
@staff_required(Role.district_committee)
def district_watch():
    return render_queue("console/cases/queue.html", "提级与超时", "console.district_watch",
                        read_filters(district_watch=True))
