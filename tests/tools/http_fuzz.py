#!/usr/bin/env python3
"""http_fuzz.py - a bounded random-request fuzzer for the portal behind the
real lighttpd and FastCGI workers.

  http_fuzz.py HOST PORT SESSION SECONDS [SEED]

Sends random requests (request line, headers, cookies, urlencoded and
multipart bodies, the H1/H2 shapes among them) over fresh TLS connections
for SECONDS, while another thread fetches the inbox with SESSION every
0.2 s.  Prints TAP-style summary lines and exits 1 when any answer took
more than 1 s, a connection got no answer at all, or a normal GET failed.
"""
import random
import socket
import ssl
import sys
import threading
import time

HOST, PORT, SESSION = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SECONDS = float(sys.argv[4])
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else int(time.time())
LIMIT = 1.0
rnd = random.Random(SEED)
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

PATHS = ["/portal/login", "/portal/totp", "/portal/reset", "/portal/signup",
         "/portal/inbox", "/portal/inbox/delete", "/portal/compose",
         "/portal/reply/1", "/portal/msg/1", "/portal/msg/1/part/2",
         "/portal/settings/password", "/portal/settings/totp/begin",
         "/portal/logout", "/portal/", "/static/portal.css", "/"]
METHODS = ["GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS",
           "PATCH", "G\x00T", "get", "POST "]
NAMES = ["csrf", "address", "password", "password2", "code", "to", "cc",
         "subject", "body", "id", "t", "token", "all", "current", "a"]


def junk(n):
    pick = rnd.random()
    if pick < 0.3:
        return "".join(rnd.choice("abcxyz%&=;+.-_/\\'\"<>") for _ in range(n))
    if pick < 0.5:
        return "%" + "".join(rnd.choice("0123456789ABCDEFGZ%") for _ in range(n))
    if pick < 0.7:
        return "".join(chr(rnd.randrange(1, 256)) for _ in range(n))
    return "x" * n


def form():
    n = rnd.choice([1, 3, 10, 15, 16, 17, 100, 300, 3000, 40000])
    name = rnd.choice(NAMES)
    fields = [(name if rnd.random() < 0.5 else rnd.choice(NAMES),
               junk(rnd.randrange(0, 20))) for _ in range(n)]
    sep = rnd.choice(["&", "&", ";", "&&"])
    return sep.join("%s=%s" % f for f in fields).encode("latin-1")


def multipart():
    b = rnd.choice(["XyZ", "----wm" + str(rnd.randrange(10 ** 9)), "", "a b",
                    "x" * 71, '"quoted"', "\x01"])
    parts = rnd.choice([0, 1, 2, 5, 300, 25000])
    body = []
    for i in range(parts):
        name = rnd.choice(NAMES + ["file", "att", ""])
        fn = '; filename="%s"' % junk(8) if rnd.random() < 0.3 else ""
        body.append("--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n"
                    "\r\n%s\r\n" % (b, name, fn, junk(rnd.randrange(0, 40))))
    if rnd.random() < 0.8:
        body.append("--%s--\r\n" % b)
    ctype = rnd.choice(["multipart/form-data; boundary=" + b,
                        "multipart/form-data", "multipart/form-data; boundary=",
                        "multipart/form-data; boundary=%s; boundary=z" % b,
                        'multipart/form-data; boundary="%s' % b])
    return ctype, "".join(body).encode("latin-1", "replace")


def cookies():
    c = []
    if rnd.random() < 0.4:
        c.append("wmsession=" + (SESSION if rnd.random() < 0.5 else junk(64)))
    if rnd.random() < 0.3:
        c.append("wmcsrf=" + junk(64))
    for _ in range(rnd.choice([0, 1, 5, 40, 500])):
        c.append("%s=%s" % (junk(5), junk(10)))
    return "; ".join(c)


def request():
    method = rnd.choice(METHODS)
    path = rnd.choice(PATHS)
    if rnd.random() < 0.3:
        path += "?" + form().decode("latin-1")[:rnd.choice([10, 200, 6000])]
    if rnd.random() < 0.1:
        path = "/" + junk(rnd.choice([5, 100, 9000]))
    version = rnd.choice(["HTTP/1.1"] * 8 + ["HTTP/1.0", "HTTP/9.9", ""])
    headers = ["Host: 127.0.0.1", "Connection: close"]
    body = b""
    if method.startswith("POST") or rnd.random() < 0.1:
        if rnd.random() < 0.4:
            ctype, body = multipart()
        else:
            ctype, body = "application/x-www-form-urlencoded", form()
        headers.append("Content-Type: " + ctype)
        cl = str(len(body))
        if rnd.random() < 0.05:
            # Each refused at once.  Not " 5": after the header's blank is
            # stripped that is a valid length, and a server rightly waits
            # for the 5 bytes this client never sends.
            cl = rnd.choice(["-1", "abc", "99999999999999999999", "0x10"])
            body = b""
        headers.append("Content-Length: " + cl)
    c = cookies()
    if c:
        headers.append("Cookie: " + c)
    for _ in range(rnd.choice([0, 1, 3])):
        headers.append("%s: %s" % (junk(8).replace(":", ""), junk(20)))
    head = "%s %s %s\r\n%s\r\n\r\n" % (method, path, version, "\r\n".join(headers))
    return head.encode("latin-1", "replace") + body


def exchange(data):
    """(seconds from the end of sending to the end of the answer, answer,
    why) - the seconds are None when nothing came back, and why says how:
    "timeout" (the server stayed silent), "reset" (the connection was torn
    down, which also discards an answer that had arrived) or "eof"."""
    with socket.create_connection((HOST, PORT), timeout=5) as raw:
        try:
            s = CTX.wrap_socket(raw)
        except (ConnectionResetError, BrokenPipeError):
            return None, b"", "reset"
        with s:
            try:
                s.sendall(data)
            except OSError:
                pass        # the server may refuse before reading it all
            sent = time.monotonic()
            s.settimeout(LIMIT + 1)
            got = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except socket.timeout:
                if not got:
                    return None, b"", "timeout"
            except OSError:     # a reset, or TLS torn down (SSLError)
                if not got:
                    return None, b"", "reset"
            if not got:
                return None, b"", "eof"
            return time.monotonic() - sent, got, ""


normal = {"ok": 0, "bad": 0, "worst": 0.0}
stop = threading.Event()


def normal_client():
    req = ("GET /portal/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Cookie: wmsession=%s\r\n\r\n" % SESSION).encode()
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            took, got, _ = exchange(req)
        except OSError:
            took, got = None, b""
        total = time.monotonic() - t0
        if took is not None and got.startswith(b"HTTP/1.1 200") and total <= LIMIT:
            normal["ok"] += 1
        else:
            normal["bad"] += 1
        normal["worst"] = max(normal["worst"], total)
        time.sleep(0.2)


def main():
    t = threading.Thread(target=normal_client)
    t.start()
    end = time.monotonic() + SECONDS
    n = slow = silent = torn = 0
    worst = 0.0
    status = {}
    while time.monotonic() < end:
        data = request()
        took, got, why = None, b"", ""
        # A server that answers and closes while the client still sends
        # makes the client's TCP discard the answer (a reset): the same
        # request again tells that race from a server that is silent.  A
        # request that is torn down every time is counted apart: lighttpd
        # closing on a request it will not read is a refusal, not silence.
        for _ in range(3):
            try:
                took, got, why = exchange(data)
            except OSError:
                took, got, why = None, b"", "reset"
            if took is not None:
                break
        n += 1
        if took is None:
            if why == "reset":
                torn += 1
            else:
                silent += 1
                print("# %s without an answer: %r" % (why, data[:120]))
            continue
        worst = max(worst, took)
        if took > LIMIT:
            slow += 1
        code = got[9:12].decode("latin-1", "replace") if got else "---"
        status[code] = status.get(code, 0) + 1
    stop.set()
    t.join()
    print("# seed %d: %d requests, answers %s, worst %.3f s" %
          (SEED, n, sorted(status.items()), worst))
    print("# %d requests refused by a reset every time" % torn)
    print("# normal GETs: %d within %.0f s, %d not, worst %.3f s" %
          (normal["ok"], LIMIT, normal["bad"], normal["worst"]))
    print("%s - every random request answered (%d without an answer)" %
          ("ok" if silent == 0 else "not ok", silent))
    print("%s - every answer within %.0f s (%d slower)" %
          ("ok" if slow == 0 else "not ok", LIMIT, slow))
    print("%s - the normal GET was answered within %.0f s meanwhile (%d of %d)" %
          ("ok" if normal["bad"] == 0 and normal["ok"] > 0 else "not ok", LIMIT,
           normal["ok"], normal["ok"] + normal["bad"]))
    return 0 if silent == 0 and slow == 0 and normal["bad"] == 0 else 1


sys.exit(main())
