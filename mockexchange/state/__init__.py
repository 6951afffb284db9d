"""The state file: a mock's commands written to SQLite before they run, checked and run again on a restart
(docs/persistence.md).

May import `control`, `journal`, `auth` and `core`; the app opens it (`Settings.state`).
"""

from mockexchange.state.file import StateError
from mockexchange.state.persistence import Persistence

__all__ = ["Persistence", "StateError"]
