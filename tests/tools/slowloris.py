#!/usr/bin/env python3
"""slowloris.py - a bounded slowloris against the portal on loopback.

  slowloris.py HOST PORT SESSION CONNECTIONS SECONDS

Opens CONNECTIONS TLS connections, each sending a request header a few bytes
at a time and never finishing it, for SECONDS; meanwhile a normal client
fetches the inbox with SESSION every 0.5 s.  Prints TAP-style lines; exits 1
when the normal client was not served within 2 s each time.  Everything it
opened is closed before it exits.
"""
import resource
import socket
import ssl
import sys
import threading
import time

HOST, PORT, SESSION = sys.argv[1], int(sys.argv[2]), sys.argv[3]
COUNT, SECONDS = int(sys.argv[4]), float(sys.argv[5])
LIMIT = 2.0
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, COUNT + 1024), hard))

stop = threading.Event()
served = {"ok": 0, "bad": 0, "worst": 0.0}


def normal_client():
    req = ("GET /portal/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Cookie: wmsession=%s\r\n\r\n" % SESSION).encode()
    while not stop.is_set():
        t0 = time.monotonic()
        got = b""
        try:
            with socket.create_connection((HOST, PORT), timeout=LIMIT) as raw:
                with CTX.wrap_socket(raw) as s:
                    s.sendall(req)
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        got += chunk
        except OSError:
            pass
        took = time.monotonic() - t0
        served["worst"] = max(served["worst"], took)
        if got.startswith(b"HTTP/1.1 200") and took <= LIMIT:
            served["ok"] += 1
        else:
            served["bad"] += 1
        time.sleep(0.5)


def main():
    slow = []
    t = threading.Thread(target=normal_client)
    t.start()
    start = time.monotonic()
    try:
        for i in range(COUNT):
            try:
                raw = socket.create_connection((HOST, PORT), timeout=5)
                s = CTX.wrap_socket(raw)
                s.sendall(b"GET /portal/login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                slow.append(s)
            except OSError:
                break
        opened = len(slow)
        alive = opened
        end = start + SECONDS
        n = 0
        while time.monotonic() < end:
            n += 1
            alive = 0
            for s in slow:
                try:
                    s.sendall(b"X-a%d: b\r\n" % n)
                    alive += 1
                except OSError:
                    pass
            time.sleep(2)
    finally:
        stop.set()
        t.join()
        for s in slow:
            try:
                s.close()
            except OSError:
                pass
    print("# %d slow connections opened, %d still open at the end, %.0f s" %
          (opened, alive, time.monotonic() - start))
    print("# normal client: %d served, %d not, worst %.3f s" %
          (served["ok"], served["bad"], served["worst"]))
    print("%s - %d slow connections were opened" %
          ("ok" if opened == COUNT else "not ok", COUNT))
    ok = served["bad"] == 0 and served["ok"] > 0
    print("%s - a normal client was served within %.0f s all along (%d of %d)" %
          ("ok" if ok else "not ok", LIMIT, served["ok"],
           served["ok"] + served["bad"]))
    return 0 if ok and opened == COUNT else 1


sys.exit(main())
