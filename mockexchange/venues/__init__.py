"""The venues' wire: routes, parameters, rendering per profile, errors and websockets, one subpackage per venue.

May import `core`, `auth`, `schema`, `journal`, `web` and `settings`; never the control plane (`control`, `admin`,
`scenario`): a venue changes state only through `core`.
"""
