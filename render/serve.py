"""`vitlessons site --serve`: the course page over http://127.0.0.1, with what a browser needs from a server.

- Byte ranges (`Range: bytes=a-b`, answered 206), so a video seeks; Python's http.server answers whole files.
- The types the explorer's runtime must have (`.wasm` as application/wasm, `.mjs` as JavaScript).
- Cross-origin isolation (COOP + COEP), so onnxruntime-web may run the model on several threads. Every file
  the page loads is its own, so isolation blocks nothing.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".vtt": "text/vtt", ".onnx": "application/octet-stream", ".mp4": "video/mp4"}

    def log_message(self, *args):  # a request per line would drown the one line that says where to go
        pass

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        wanted = _RANGE.match(self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = wanted.groups()
        if first == "":  # bytes=-N: the last N bytes
            start, end = max(size - int(last or 0), 0), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return shutil.copyfileobj(source, outputfile)
        self._remaining = None
        while remaining > 0:
            chunk = source.read(min(1 << 16, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser that stops a video download mid-file resets the connection: no traceback for that


def make_server(folder: Path, port: int = 8000, host: str = "127.0.0.1") -> Server:
    return Server((host, port), functools.partial(Handler, directory=os.fspath(folder)))


def serve(folder: Path, port: int = 8000, echo=print) -> None:
    """Serve `folder` until Ctrl-C."""
    from vitmath.errors import UserError

    try:
        server = make_server(folder, port)
    except OSError as e:
        raise UserError(f"cannot serve on port {port}: {e.strerror}; choose another with --port") from None
    echo(f"serving {folder} at http://127.0.0.1:{server.server_port}/index.html  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        server.server_close()
