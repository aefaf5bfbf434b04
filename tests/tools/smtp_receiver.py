#!/usr/bin/python3
"""A real SMTP server for the e-mail tests (Debian python3-aiosmtpd).

Listens on 127.0.0.1 at an ephemeral port and prints "listening on PORT" once ready. Every message
accepted is parsed with Python's e-mail package, as a mail client would, and written to OUT_DIR as
one JSON file per recipient: {"mail_from", "rcpt_to", "subject", "from", "to", "message_id",
"headers": {name: value}, "text", "html", "raw"}.

--refuse ADDR   answers 550 to RCPT TO:<ADDR> (repeatable): a permanent failure
--defer ADDR    answers 451 to RCPT TO:<ADDR> (repeatable): a transient failure
--stall ADDR    never answers RCPT TO:<ADDR> (the client must time out)
--starttls CERT KEY  offers STARTTLS with this certificate
Exits when stdin closes (so it never outlives the test) or after --lifetime seconds.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.args.defer:
            return "451 4.3.0 try again later"
        if address in self.args.stall:
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        for rcpt in envelope.rcpt_tos:
            self.count += 1
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_to": rcpt,
                "subject": str(message["subject"] or ""),
                "from": str(message["from"] or ""),
                "to": str(message["to"] or ""),
                "message_id": str(message["message-id"] or ""),
                "headers": {k: str(v) for k, v in message.items()},
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "raw": envelope.original_content.decode("utf-8", "replace"),
                "tls": session.ssl is not None,
            }
            path = os.path.join(self.args.out, "%06d.json" % self.count)
            with open(path + ".tmp", "w", encoding="utf-8") as out:
                json.dump(record, out)
            os.rename(path + ".tmp", path)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--stall", action="append", default=[])
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()

    tls = None
    if args.starttls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.starttls[0], args.starttls[1])
    handler = Handler(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, tls_context=tls, require_starttls=False, hostname="receiver.test"),
            host="127.0.0.1",
            port=0,
        )
    )
    port = server.sockets[0].getsockname()[1]
    print("listening on %d" % port, flush=True)

    def watch_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.call_later(args.lifetime, loop.stop)
    loop.run_forever()


if __name__ == "__main__":
    main()
