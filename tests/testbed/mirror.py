"""A local stand-in for https://awscli.amazonaws.com/, serving paths.MIRROR.

    python -m tests.testbed.mirror start   # background; prints AWSCLI_MIRROR_URL=...
    python -m tests.testbed.mirror env     # prints AWSCLI_MIRROR_URL=... if running
    python -m tests.testbed.mirror stop
    python -m tests.testbed.mirror serve   # foreground (what `start` runs)

URLs mirror the official ones: <url>/awscli-exe-linux-x86_64[-2.X.Y].zip and
.sig, plus <url>/tampered/... and <url>/untrusted/... for the negative cases.
GET and HEAD carry Content-Length, Last-Modified and a strong ETag (the
file's sha256); If-None-Match / If-Modified-Since get 304, which is how the
install role avoids re-downloading `latest` on every run.

Test hooks: `GET /_stats` returns {path: {"GET": n, "HEAD": n, "status":
{"200": n, "304": n, ...}, "bytes": n}} and `POST /_stats/reset` clears it.
In pytest use MirrorServer (or the awscli_mirror fixture) directly.
"""

import argparse
import email.utils
import hashlib
import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.testbed import paths
from tests.testbed.daemon import Daemon

DAEMON = Daemon("mirror")
STATE_FILE = DAEMON.state_file
LOG_FILE = DAEMON.log_file
ENV_NAME = "AWSCLI_MIRROR_URL"

CONTENT_TYPES = {".zip": "application/zip", ".sig": "application/octet-stream"}


class _Digests:
    """sha256 per file, computed once: hashing an 80 MB zip on every request
    would make conditional requests slower than the download they avoid."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache = {}

    def etag(self, path, st):
        # Keyed by inode, not name: the mirror's hard links (latest, untrusted/)
        # share one digest.
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            digest = self._cache.get(key)
            if digest is None:
                h = hashlib.sha256()
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
                digest = self._cache[key] = h.hexdigest()
        return f'"{digest}"'


class _Stats:
    """Counts per path. A snapshot waits (briefly) for requests still being
    answered, so a client that reads /_stats right after its last response
    sees that response counted: the count is made after the body is sent."""

    SETTLE_SECONDS = 2.0

    def __init__(self):
        self._lock = threading.Condition()
        self._in_flight = 0
        self.reset()

    def begin(self):
        with self._lock:
            self._in_flight += 1

    def reset(self):
        with self._lock:
            self._data = defaultdict(lambda: {"GET": 0, "HEAD": 0, "status": defaultdict(int), "bytes": 0})

    def record(self, path, method, status, nbytes):
        with self._lock:
            entry = self._data[path]
            entry[method] = entry.get(method, 0) + 1
            entry["status"][str(int(status))] += 1
            entry["bytes"] += nbytes
            self._in_flight -= 1
            self._lock.notify_all()

    def snapshot(self):
        with self._lock:
            self._lock.wait_for(lambda: self._in_flight <= 0, self.SETTLE_SECONDS)
            return {p: dict(e, status=dict(e["status"])) for p, e in self._data.items()}


def _etag_matches(header, etag):
    # If-None-Match uses weak comparison (RFC 9110 13.1.2).
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "labcloud-awscli-mirror/1"

    def log_message(self, fmt, *args):
        if self.server.log_requests:
            sys.stderr.write(f"{self.log_date_time_string()} {fmt % args}\n")

    def _reply(self, status, body=b"", content_type="text/plain; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        return len(body) if self.command != "HEAD" else 0

    def _url_path(self):
        return urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)

    def _resolve(self, url_path):
        """Map a URL path to a file under the root, or None."""
        parts = [p for p in url_path.split("/") if p]
        # Dot-names hide the builder's manifest and staging areas; ".." would
        # escape the root.
        if not parts or any(p.startswith(".") for p in parts):
            return None
        candidate = self.server.root.joinpath(*parts)
        try:
            candidate.resolve().relative_to(self.server.root.resolve())
        except ValueError:
            return None
        return candidate if candidate.is_file() else None

    def do_GET(self):
        self._serve_file()

    def do_HEAD(self):
        self._serve_file()

    def do_POST(self):
        if self._url_path() == "/_stats/reset":
            self.server.stats.reset()
            self._reply(HTTPStatus.OK, b'{"reset": true}\n', "application/json")
        else:
            self._reply(
                HTTPStatus.METHOD_NOT_ALLOWED,
                b"POST only on /_stats/reset\n",
                headers=[("Allow", "GET, HEAD")],
            )

    def _serve_file(self):
        url_path = self._url_path()
        if url_path == "/_stats":
            body = (json.dumps(self.server.stats.snapshot(), indent=2, sort_keys=True) + "\n").encode()
            self._reply(HTTPStatus.OK, body, "application/json", [("Cache-Control", "no-store")])
            return
        status, sent = HTTPStatus.NOT_FOUND, 0
        self.server.stats.begin()
        try:
            status, sent = self._send_file(url_path)
        finally:
            self.server.stats.record(url_path, self.command, status, sent)

    def _send_file(self, url_path):
        path = self._resolve(url_path)
        if path is None:
            return HTTPStatus.NOT_FOUND, self._reply(HTTPStatus.NOT_FOUND, b"Not Found\n")
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            etag = self.server.digests.etag(path, st)
            last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
            validators = [("ETag", etag), ("Last-Modified", last_modified)]
            if self._not_modified(etag, int(st.st_mtime)):
                # A 304 has no body, and must not carry a Content-Length that
                # describes one, or HTTP/1.1 clients would wait for it.
                self.send_response(HTTPStatus.NOT_MODIFIED)
                for name, value in validators:
                    self.send_header(name, value)
                self.end_headers()
                return HTTPStatus.NOT_MODIFIED, 0
            self.send_response(HTTPStatus.OK)
            self.send_header(
                "Content-Type",
                CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
            )
            self.send_header("Content-Length", str(st.st_size))
            self.send_header("Accept-Ranges", "none")
            for name, value in validators:
                self.send_header(name, value)
            self.end_headers()
            if self.command == "HEAD":
                return HTTPStatus.OK, 0
            self.wfile.flush()
            try:
                sent = self.connection.sendfile(fh, 0, st.st_size)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up mid-download (tests do this on purpose):
                # still a GET, but not a complete one.
                self.close_connection = True
                return HTTPStatus.OK, 0
            return HTTPStatus.OK, sent

    def _not_modified(self, etag, mtime):
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            # When both are sent, If-None-Match alone decides (RFC 9110 13.2.2).
            return _etag_matches(inm, etag)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return mtime <= since
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Fail on a taken port rather than share it with a stale server.
    allow_reuse_address = False


class MirrorServer:
    """The mirror in a background thread; for pytest and other Python callers.

    with MirrorServer() as m:
        urllib.request.urlopen(m.url + "/awscli-exe-linux-x86_64.zip.sig")
        m.stats()
    """

    def __init__(self, root=None, port=0, log_requests=False):
        self.root = Path(root or paths.MIRROR)
        self._port = port
        self._log_requests = log_requests
        self._httpd = None
        self._thread = None

    def start(self):
        if not self.root.is_dir():
            raise FileNotFoundError(f"mirror root {self.root} missing: run python -m tests.testbed.awscli")
        self._httpd = _Server(("127.0.0.1", self._port), _Handler)
        self._httpd.root = self.root
        self._httpd.stats = _Stats()
        self._httpd.digests = _Digests()
        self._httpd.log_requests = self._log_requests
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="awscli-mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        """Base URL without a trailing slash, like https://awscli.amazonaws.com."""
        return f"http://127.0.0.1:{self.port}"

    def stats(self):
        return self._httpd.stats.snapshot()

    def reset_stats(self):
        self._httpd.stats.reset()

    def serve_forever(self):
        """Foreground mode: block until SIGTERM/SIGINT."""
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        done.wait()
        self.stop()


# --- background server state -------------------------------------------------


def _responds(url):
    try:
        with urllib.request.urlopen(url + "/_stats", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def running_url():
    """URL of the background mirror if one is running, else None."""
    state = DAEMON.read_state()
    if state and _responds(state["url"]):
        return state["url"]
    return None


def cmd_serve(args):
    server = MirrorServer(root=args.root, port=args.port, log_requests=True).start()
    if args.state_file:
        state = {
            "pid": os.getpid(),
            "port": server.port,
            "url": server.url,
            "root": str(server.root),
        }
        DAEMON.write_state(state, Path(args.state_file))
    print(f"{ENV_NAME}={server.url}", flush=True)
    server.serve_forever()
    return 0


def cmd_start(args):
    url = running_url()
    if url is None:
        extra = ["--state-file", str(STATE_FILE)] + (["--root", args.root] if args.root else [])
        state = DAEMON.start(extra, ready=lambda state: _responds(state["url"]), timeout=15)
        if state is None:
            sys.stderr.write(f"mirror failed to start; see {LOG_FILE}\n")
            return 1
        url = state["url"]
    print(f"{ENV_NAME}={url}")
    return 0


def cmd_stop(args):
    DAEMON.stop()
    return 0


def cmd_env(args):
    url = running_url()
    if url is None:
        sys.stderr.write("mirror is not running: python -m tests.testbed.mirror start\n")
        return 1
    print(f"{ENV_NAME}={url}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.testbed.mirror", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run in the background (idempotent)")
    start.add_argument("--root", help="directory to serve (default: paths.MIRROR)")
    sub.add_parser("stop", help="stop the background mirror")
    sub.add_parser("env", help="print AWSCLI_MIRROR_URL of the running mirror")
    serve = sub.add_parser("serve", help="run in the foreground")
    serve.add_argument("--root", help="directory to serve (default: paths.MIRROR)")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--state-file")
    args = ap.parse_args(argv)
    return {"start": cmd_start, "stop": cmd_stop, "env": cmd_env, "serve": cmd_serve}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
