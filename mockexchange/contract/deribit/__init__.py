"""The kit's Deribit side: `mockexchange contract check-deribit` (check.py) calls a Deribit-compatible server's methods
over HTTP and the websocket and judges every reply and notification against the committed JSON-RPC slice
(`mockexchange/schema/deribit/rpc.json`, read through `mockexchange.schema.deribit.rpc`); `slicing.py` compares the
slice with Deribit's published OpenAPI when that file is at hand (`scripts/slice-deribit-spec`)."""
