"""Pages are tested in a real Chromium."""
from tests.web.chromium import browser  # noqa: F401  (the fixture, for every test here)
