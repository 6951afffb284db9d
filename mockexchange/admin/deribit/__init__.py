"""The inspector's Deribit panels: a wallet's orders and an instrument's book, rendered by the venue's renderers; and
Deribit's section of `mockexchange serve`'s banner (banner.py)."""
