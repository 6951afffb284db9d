"""What a scenario file's set-up says of Kalshi: accounts, keys and usage levels; series, events and markets; and a
Kalshi account's scenario from a tape."""
