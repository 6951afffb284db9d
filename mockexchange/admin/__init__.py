"""The control plane over HTTP: `/_admin/...`, the control operations, scenarios and the request journal as JSON, and
the sandbox inspector (`/_inspector`) with the reads and the live feed behind it.

`routes` (the routes), `guard` (who may call: client, Host, Origin, token, Content-Type), `paths` (the folders admin
calls may read and write), `openapi` (the API as an OpenAPI document, built from the routes); the inspector's: `views`
(its reads wired to one app), `accounts`, `pnl`, `connections`, `frames` (the websockets' last frames), `feed` (the live
feed, server-sent events), `inspector` (the page, from `static/`); and each venue's section of `mockexchange serve`'s
banner (`kalshi/banner.py`, `deribit/banner.py`, what they share in `banners`), which cli/banner.py puts together.
May import `venues` (their renderers: the inspector shows what they serve), `control`, `scenario`, `journal`, `web`,
`settings` and below.
"""
