"""The job list: one sweep job however many cases, registered extras, failures contained."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from server import jobs

pytestmark = pytest.mark.both_databases("the deadline sweep claims with SKIP LOCKED and records reminders through ON CONFLICT")


@pytest.fixture
def probe_job():
    yield "probe"
    jobs.unregister_periodic("probe")
    jobs.unregister_periodic("broken")


def test_one_sweep_job_whatever_the_number_of_cases(world, runtime, clock):
    for index in range(5):
        world.create_case(description=f"第{index}处绿化枯萎")
    scheduler = jobs.build_scheduler(runtime)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["deadlines", "dispatch", "figures", "halls", "journal",
                                                                 "linkage", "media", "privacy_retention", "receptions"]
    intervals = {job.id: job.trigger.interval for job in scheduler.get_jobs()}
    assert intervals == {"journal": timedelta(seconds=jobs.JOURNAL_SECONDS),
                         "deadlines": timedelta(seconds=jobs.DEADLINE_SWEEP_SECONDS),
                         "dispatch": timedelta(seconds=jobs.DISPATCH_SECONDS),
                         "halls": timedelta(seconds=jobs.HALLS_SECONDS),
                         "media": timedelta(seconds=jobs.MEDIA_SECONDS),
                         "figures": timedelta(seconds=jobs.FIGURES_SECONDS),
                         "privacy_retention": timedelta(seconds=jobs.PRIVACY_RETENTION_SECONDS),
                         "linkage": timedelta(seconds=jobs.LINKAGE_SECONDS),
                         "receptions": timedelta(seconds=jobs.RECEPTIONS_SECONDS)}


def test_registered_jobs_run_with_the_others_and_a_failure_is_contained(runtime, probe_job):
    seen = []
    jobs.register_periodic("probe", lambda rt: seen.append(rt) or {"probed": True}, 30)
    jobs.register_periodic("broken", lambda rt: 1 / 0, 30)
    results = jobs.run_all_once(runtime)
    assert list(results) == ["journal", "deadlines", "linkage", "dispatch", "media", "halls", "figures",
                             "privacy_retention", "receptions", "probe", "broken"]
    assert results["probe"] == {"ok": True, "result": {"probed": True}, "seconds": results["probe"]["seconds"]}
    assert results["broken"]["ok"] is False and "ZeroDivisionError" in results["broken"]["error"]
    assert results["deadlines"]["ok"] and seen == [runtime]
    with pytest.raises(ValueError):
        jobs.register_periodic("probe", lambda rt: None, 0)


def test_interval_overrides_are_checked(runtime):
    assert jobs.parse_intervals(("deadlines=2.5",)) == {"deadlines": 2.5}
    with pytest.raises(ValueError):
        jobs.parse_intervals(("deadlines=soon",))
    with pytest.raises(ValueError):
        jobs.periodic_jobs({"nonsense": 1})
    scheduler = jobs.build_scheduler(runtime, overrides={"deadlines": 2.5})
    assert scheduler.get_job("deadlines").trigger.interval == timedelta(seconds=2.5)


def test_the_background_scheduler_really_runs_a_registered_job(runtime, probe_job):
    ran = threading.Event()
    jobs.register_periodic("probe", lambda rt: ran.set(), 30)
    scheduler = jobs.build_scheduler(runtime)
    scheduler.start()
    try:
        assert ran.wait(timeout=10), "the first run is due at once"
    finally:
        scheduler.shutdown(wait=True)
