#!/usr/bin/env python3
"""Print N distinct free TCP ports on 127.0.0.1, one per line (default N=1).

The kernel picks each (bind to port 0); all sockets are held open until every port
is chosen, so the N ports are distinct. A port is only free at the moment it is
printed: start the server on it promptly.
"""
import socket
import sys


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    if not 1 <= n <= 64:
        sys.exit("free-port: N must be 1..64")
    held = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        for s in held:
            print(s.getsockname()[1])
    finally:
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
