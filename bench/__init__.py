"""Minyi's benchmark harness: `python -m bench` (full) or `python -m bench --smoke` (tiny sizes).

Every benchmark measures a real subject over real sockets and databases; nothing here runs inside
the unit tests except the smoke run (tests/bench), whose figures are never asserted.
"""
