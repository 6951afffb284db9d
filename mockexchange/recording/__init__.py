"""The proxy's recordings (tapes): their format (`records`), written as the proxy forwards (`writer`), and read
checked whole (`reader`) by what answers from one (the replay, a scenario made from a tape). The proxy writes them,
replay/ and scenario/ read them, so the format stands below all three.

Floor 2: imports `core` (its bounded JSON reader) only; the venues a tape may name are given (by the registry's
names, `registry.TAPE_VENUES`), never imported.
"""
