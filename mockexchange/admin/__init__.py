"""The control plane over HTTP: `/_admin/...`, the control operations, scenarios and the request journal as JSON.

`routes` (the routes), `guard` (who may call: client, Host, Origin, token, Content-Type), `paths` (the folders admin
calls may read and write), `openapi` (the API as an OpenAPI document, built from the routes).
May import `control`, `scenario`, `journal`, `web`, `settings` and below; not the venues.
"""
