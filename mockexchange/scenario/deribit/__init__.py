"""What a scenario file's `deribit:` set-up says, and a Deribit account's scenario from a tape."""
