"""How long a test waits for an event before it calls it a hang: one ceiling for every wait on a message, a line, a
page's change or a future, so generous that a machine three times slower than usual (a CI runner beside other work)
never reaches it, and only a hang does. A test waits on the event itself, never on a fixed time tuned to a quiet
machine; a test that waits a window to see that nothing comes says so where it does."""

HANG_S = 60  # seconds
HANG_MS = HANG_S * 1000  # Playwright's unit
