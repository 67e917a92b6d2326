#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd), on a loopback port.

Every accepted message is written to DIR/NNNN.eml. Its behaviour is read from DIR/mode
before each message, so a test can change it while it runs:
  accept      take the message (the default)
  refuse      answer 451 (a temporary failure) to DATA
  disconnect  drop the connection without an answer
With --tls CERT KEY it offers STARTTLS and refuses mail before it (like a real
submission port). Prints "port N" on stdout once it is listening.
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def mode(self):
        try:
            with open(os.path.join(self.directory, "mode")) as f:
                return f.read().strip() or "accept"
        except FileNotFoundError:
            return "accept"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "refuse":
            return "451 4.3.0 try again later (test sink)"
        if mode == "disconnect":
            session.transport.close()
            return "421 closing"
        self.count += 1
        name = os.path.join(self.directory, f"{self.count:04d}.eml")
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)
        return "250 OK"


async def serve(sink, context):
    loop = asyncio.get_running_loop()

    def factory():
        return SMTP(sink, tls_context=context, require_starttls=context is not None, hostname="localhost")

    server = await loop.create_server(factory, host="127.0.0.1", port=0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    # Runs until the test closes our stdin (or the test process dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
    asyncio.run(serve(Sink(args.directory), context))


if __name__ == "__main__":
    main()
