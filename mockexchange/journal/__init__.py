"""The request journal: every request a venue received, kept within bounds and judged against the committed schema
slices. An entry and what is told of it (`entries`), the journal that holds and reads them (`journal`), what an entry
breaks (`judging`), the middleware that records each request (`middleware`), and a venue's refusal as its client was
told it, which an entry keeps beside the mock's explanation (`refusal`; the venues write its diagnosis field).

Floor 4: may import `schema`, `auth` (its redaction), `core`, `web` and `settings`; the venues, the state file, the
admin API and the proxy stand above it.
"""
