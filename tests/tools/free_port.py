#!/usr/bin/env python3
"""free_port.py: prints a TCP port on 127.0.0.1 that nobody holds.

The port is picked at random below the kernel's ephemeral range, as wm-init
picks an instance's ports: a port from inside that range, closed again until
the test's server binds it, may meanwhile become the local port of any
outgoing connection, and the server then fails to start.
"""
import random
import socket

try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 0
for _ in range(200 if low - 10000 >= 1000 else 0):
    port = random.randrange(10000, low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
