"""The image's HEALTHCHECK: `GET /_admin/health` on the port `mockexchange serve` listens on, read from the port file
it writes (`--port-file`, which the image sets with MOCKEXCHANGE_PORT_FILE), so a `--port` given to the container is
followed. Exit status 0 on a 200; 1 with a line on stderr otherwise: no port file yet (serve has not bound), nothing
listening, no answer within 3 seconds, or another status. Only the standard library: the slim image has no curl."""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

PORT_FILE_ENV = "MOCKEXCHANGE_PORT_FILE"


def main() -> int:
    port_file = Path(os.environ.get(PORT_FILE_ENV) or "/tmp/mockexchange.port")
    try:
        text = port_file.read_text()
    except OSError as exc:
        return unhealthy(f"no port to call: {port_file}: {exc.strerror or exc}")
    if not text.strip().isascii() or not text.strip().isdigit():
        return unhealthy(f"{port_file} holds no port: {text[:20]!r}")
    url = f"http://127.0.0.1:{int(text)}/_admin/health"  # serve listens on every address in the image
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # raises on a status other than 2xx
            return 0 if answer.status == 200 else unhealthy(f"{url} answered {answer.status}")
    except OSError as exc:  # refused, timed out, an HTTP error
        return unhealthy(f"{url}: {exc}")


def unhealthy(why: str) -> int:
    print(f"healthcheck: {why}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
