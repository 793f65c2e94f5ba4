"""Answer a few GET requests on 127.0.0.1, then exit.

The verify step starts it on the controller to prove the containers share the
controller's network. It picks a free port itself (a fixed one could collide
with another scenario) and publishes it through a file; a deadline makes sure
it never outlives the test run.
"""

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

BODY = b"labcloud oneshot ok"
DEADLINE_S = 90


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
        self.server.served += 1

    def log_message(self, *args):
        pass


def main():
    port_file, count = sys.argv[1], int(sys.argv[2])
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.served = 0
    # Short waits so the deadline is checked even when nobody calls.
    server.timeout = 1
    # Written then renamed so a reader never sees a half-written port.
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    end = time.monotonic() + DEADLINE_S
    while server.served < count and time.monotonic() < end:
        server.handle_request()
    server.server_close()


if __name__ == "__main__":
    main()
