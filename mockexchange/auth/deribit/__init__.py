"""Deribit's credentials, `public/auth` grants and tokens, HMAC signatures (SignalPlus' too), and what each failure
maps to."""
