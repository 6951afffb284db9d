"""The state file: a mock's commands kept in SQLite as they run and run again on a restart (docs/persistence.md).

May import `control`, `journal`, `auth` and `core`; the app opens it (`Settings.state`).
"""

from mockexchange.state.file import StateError
from mockexchange.state.persistence import Persistence

__all__ = ["Persistence", "StateError"]
