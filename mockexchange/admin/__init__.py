"""The control plane over HTTP: `/_admin/...`, the control operations, scenarios and the request journal as JSON.

May import `control`, `scenario`, `journal`, `web` and below; not the venues.
"""
