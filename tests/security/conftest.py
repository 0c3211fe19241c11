"""The API's helpers (sign_in, anonymous, live) serve these tests too."""
from tests.api.conftest import anonymous, live, sign_in  # noqa: F401
