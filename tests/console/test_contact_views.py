"""A reporter's contact shown on a console case page leaves a trace in the district's audit log (PIPL)."""
from __future__ import annotations


def test_the_audit_log_lists_who_was_shown_a_reporters_contact(world, signed_in):
    consented = world.create_case(description="路灯坏了一周，请联系我", contact_consent=True)
    private = world.create_case(description="井盖松动")
    office = signed_in("hubin-office")
    shown = office.get(f"/console/cases/{consented.id}").get_data(as_text=True)
    assert "章小平" in shown
    hidden = office.get(f"/console/cases/{private.id}").get_data(as_text=True)
    assert "反映人未同意公开联系方式" in hidden
    log = signed_in("district").get("/console/admin/audit?action=contact:view").get_data(as_text=True)
    assert "查看反映人联系方式" in log and "胡敏" in log
    assert consented.tracking_number in log and private.tracking_number not in log
    csv_text = signed_in("district").get("/console/admin/audit.csv?action=contact:view").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and consented.tracking_number in csv_text
