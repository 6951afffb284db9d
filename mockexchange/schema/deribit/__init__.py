"""Deribit's JSON-RPC slice at run time (rpc.json, beside it): a method's params and result checked against it."""
