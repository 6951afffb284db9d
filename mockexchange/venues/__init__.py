"""The venues' wire: routes, parameters, rendering per profile, errors and websockets, one subpackage per venue; what
both share at the top: the fault rules' door (`faults.py`), the websockets' fan-out of state changes (`fanout.py`) and
a connection's outbox, bounded in bytes (`outbox.py`).

May import `core`, `auth`, `schema`, `journal`, `web` and `settings`; never the control plane (`control`, `admin`,
`scenario`): a venue changes state only through `core`.
"""
