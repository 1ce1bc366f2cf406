#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that passes bytes to a local port at a limited rate.

  slow-proxy.py LISTEN_PORT TARGET_PORT BYTES_PER_SECOND

For the registry tests: a transfer through it lasts long enough to be
interrupted at a known point (a pull killed, a registry stopped). Prints
"ready" once it listens.
"""
import asyncio
import sys
import time


async def pipe(reader, writer, rate):
    start = time.monotonic()
    sent = 0
    try:
        while True:
            data = await reader.read(64 * 1024)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            sent += len(data)
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                await asyncio.sleep(ahead)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    listen, target, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])

    async def handle(cr, cw):
        try:
            tr, tw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pipe(cr, tw, rate), pipe(tr, cw, rate))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
