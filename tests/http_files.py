"""A local stand-in for a remote store: a folder served over HTTP with range requests, as the hub
and object stores serve files, counting the bytes it sends. There is no hub here."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class _RangeHandler(SimpleHTTPRequestHandler):
    sent: list[int]

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        match = RANGE.fullmatch(self.headers.get("Range", ""))
        if not path.is_file() or not match:
            return super().do_GET()
        size = path.stat().st_size
        start = int(match[1])
        stop = min(int(match[2]) + 1 if match[2] else size, size)
        with open(path, "rb") as handle:
            handle.seek(start)
            body = handle.read(max(stop - start, 0))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(body)
        self.sent.append(len(body))

    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[tuple[str, list[int]]]:
    """``folder`` at ``http://127.0.0.1:<port>``; the list collects the size of each range sent."""
    sent: list[int] = []
    handler = type("Handler", (_RangeHandler,), {"sent": sent})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()
