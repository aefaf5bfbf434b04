#!/usr/bin/python3
"""A real HTTP server for the webhook, push, chat and audience tests.

Listens on 127.0.0.1 at an ephemeral port and prints "listening on PORT" once ready. Every request
is written to OUT_DIR as a JSON file: {"method", "path", "headers": {lower-case name: value},
"body", "signature_valid"}. With --secret, "signature_valid" is this script's own check of
X-Mercato-Signature (HMAC-SHA256 over "<X-Mercato-Timestamp>.<raw body>", Python's hmac module),
an implementation independent of mercato's.

--status PATH CODE   answers CODE on PATH (repeatable; default 200)
--retry-after SECS   adds Retry-After to non-2xx answers
--stall PATH         never answers on PATH (the client must time out)
Exits when stdin closes (so it never outlives the test) or after --lifetime seconds.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--status", nargs=2, action="append", default=[], metavar=("PATH", "CODE"))
    parser.add_argument("--retry-after", type=int)
    parser.add_argument("--stall", action="append", default=[])
    parser.add_argument("--secret")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    statuses = {path: int(code) for path, code in args.status}
    lock = threading.Lock()
    counter = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path in args.stall:
                time.sleep(3600)
            headers = {k.lower(): v for k, v in self.headers.items()}
            valid = None
            if args.secret is not None:
                signed = headers.get("x-mercato-timestamp", "").encode() + b"." + body
                expected = "v1=" + hmac.new(args.secret.encode(), signed, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, headers.get("x-mercato-signature", ""))
            with lock:
                counter[0] += 1
                path = os.path.join(args.out, "%06d.json" % counter[0])
            record = {"method": "POST", "path": self.path, "headers": headers,
                      "body": body.decode("utf-8", "replace"), "signature_valid": valid}
            with open(path + ".tmp", "w", encoding="utf-8") as out:
                json.dump(record, out)
            os.rename(path + ".tmp", path)
            status = statuses.get(self.path, 200)
            self.send_response(status)
            if status >= 300 and args.retry_after is not None:
                self.send_header("Retry-After", str(args.retry_after))
            reply = b'{"ok": true}' if status < 300 else b'{"error": "refused"}'
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *unused):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)

    def stop_later():
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=stop_later, daemon=True).start()
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    main()
