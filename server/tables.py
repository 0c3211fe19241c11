"""Every feature's tables on one `Base.metadata`: imported once by `server` so mappers can resolve each other."""
from server.audit import models as audit  # noqa: F401
from server.cases import models as cases  # noqa: F401
from server.chat import models as chat  # noqa: F401
from server.deputies import models as deputies  # noqa: F401
from server.files import models as files  # noqa: F401
from server.halls import models as halls  # noqa: F401
from server.linkage import models as linkage  # noqa: F401
from server.operations import models as operations  # noqa: F401
from server.people import models as people  # noqa: F401
from server.places import models as places  # noqa: F401
from server.privacy import models as privacy  # noqa: F401
from server.pushes import models as pushes  # noqa: F401
from server.replies import models as replies  # noqa: F401
from server.statistics import models as statistics  # noqa: F401
