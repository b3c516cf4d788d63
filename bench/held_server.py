#!/usr/bin/env python3
"""bench/httpclient.sh's loopback server: answers every GET after DELAY seconds with a
small JSON body (a DashScope task query's size), keep-alive, so a client can hold
thousands of requests in flight. `GET /_peak` answers at once with the most requests it
held at one time since the last `/_peak`. Usage: held_server.py PORT DELAY_SECONDS"""
import asyncio, sys

PORT, DELAY = int(sys.argv[1]), float(sys.argv[2])
BODY = b'{"output":{"task_id":"t","task_status":"RUNNING","submit_time":"2026-12-01 00:00:00.000"},"request_id":"r"}'
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)

held = 0
peak = 0

async def serve(reader, writer):
    global held, peak
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            if head.startswith(b"GET /_peak"):
                text = b"%d" % peak
                peak = 0
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text))
                await writer.drain()
                continue
            held += 1
            peak = max(peak, held)
            try:
                if DELAY > 0:
                    await asyncio.sleep(DELAY)
            finally:
                held -= 1
            writer.write(ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", PORT, backlog=4096)
    async with server:
        await server.serve_forever()

asyncio.run(main())
