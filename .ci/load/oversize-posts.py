#!/usr/bin/env python3
"""POSTs with a body over the server's limit, sent whole: does the client read the 413?

    .ci/load/oversize-posts.py PORT [COUNT] [MEGABYTES]     (defaults: 100 posts of 2 MB)

Prints how each connection ended: the status the client read, or the error it got instead
(a reset or a broken pipe when the server closes without draining what was still sent).
"""
import socket
import sys

port = int(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
body = b"x" * int(float(sys.argv[3] if len(sys.argv) > 3 else 2) * 1024 * 1024)
head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body))
endings = {}
for _ in range(count):
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        client.sendall(head + body)
        status = client.recv(64).split(b" ")[1].decode()
    except (ConnectionResetError, BrokenPipeError, IndexError, socket.timeout) as error:
        status = type(error).__name__
    finally:
        client.close()
    endings[status] = endings.get(status, 0) + 1
print(", ".join(f"{ending}: {n}" for ending, n in sorted(endings.items())))
