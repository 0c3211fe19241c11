"""The demo's deputy work and what the panoramic window and the ranking make of it; the duty record's
extension point for other modules (inspections, suggestions) is found by convention."""
from __future__ import annotations

from datetime import timedelta

from server.core.clock import LOCAL_ZONE
from server.demo import load_demo
from server.deputies import queries, record
from server.statistics.modules import Period, all_module_figures
from tests.factories import World


def test_the_demo_gives_every_street_a_station_with_held_and_coming_days(runtime, clock):
    load_demo(runtime, case_count=10)
    today = clock.now().astimezone(LOCAL_ZONE).date()
    window = {m.key: m for m in all_module_figures(runtime.uow(), Period(today - timedelta(days=60), today))}
    figures = {f.key: f.value for f in window["deputies"].figures}
    assert window["deputies"].title == "代表工作" and window["deputies"].order == 50
    assert figures == {"receptions_held": 12, "residents_received": 30, "matters_raised": 42,
                       "cases_from_matters": 30, "duty_entries": 9}
    stations = queries.list_stations(runtime.uow())
    assert len(stations) == 6 and all(s["name"].endswith("人大代表联络站") for s in stations)
    page = queries.station_page(runtime.uow(), station_id=stations[0]["id"])
    assert [d["name"] for d in page["deputies"]] == ["严民强", "周立群"] and len(page["receptions"]) == 1
    district = World(runtime).district()
    ranking = record.deputy_ranking(runtime.uow(), actor_id=district.id, year=today.year)
    assert len(ranking["items"]) == 9 and ranking["items"][0]["score"] > 0
    one_street = {f.key: f.value for f in next(m for m in all_module_figures(
        runtime.uow(), Period(today - timedelta(days=60), today), street_id=stations[0]["street_id"])
        if m.key == "deputies").figures}
    assert one_street["receptions_held"] == 2 and one_street["duty_entries"] == 2


def test_another_module_adds_duty_figures_by_convention(tmp_path, monkeypatch, runtime, world):
    """A feature package with a duty.py (as the linkage module will have for inspections) shows up in the
    record, the score's items and the weights, without this package knowing it."""
    package = tmp_path / "fakeserver"
    (package / "inspect").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inspect" / "__init__.py").write_text("")
    (package / "inspect" / "duty.py").write_text(
        "DUTY_ITEMS = {'inspections_attended': '参加视察'}\n"
        "DUTY_WEIGHTS = {'inspections_attended': 3}\n"
        "def duty_counts(session, deputy_ids, since, until):\n"
        "    return {'inspections_attended': {i: 2 for i in deputy_ids}}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sources = record.discover_duty_sources("fakeserver")
    assert list(sources) == ["inspect"] and sources["inspect"].items == {"inspections_attended": "参加视察"}
    monkeypatch.setattr(record, "discover_duty_sources", lambda package="server": sources)
    yan = world.person("严民强")
    data = record.duty_record(runtime.uow(), actor_id=yan.id, deputy_id=yan.id, year=2026)
    assert {"key": "inspections_attended", "label": "参加视察", "value": 2, "weight": 3.0} in data["figures"]
    assert data["score"] == 6 and "参加视察 × 3" in data["formula"]
