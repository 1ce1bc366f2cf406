#!/usr/bin/env python3
"""A tiny DNS client for tests/integration/dns.bats (no dnspython needed).

  dnsq.py [--tcp] [--port N] [--timeout S] SERVER NAME [TYPE]
      one query (TYPE A, AAAA, PTR, MX, TXT… or a number; default A); prints the
      rcode on the first line (NOERROR, NXDOMAIN, SERVFAIL…, then " tc" if the
      answer says truncated, " aa" if authoritative), then one line per answer
      record: "A 10.0.0.2", "AAAA fd00::2", "PTR web.", "TYPE<n> <hex>".
      Checks the answer's id and question against the query's; exits 1 when
      nothing (or no matching answer) came within the timeout.
  dnsq.py --raw [--tcp] [--port N] SERVER HEX
      sends these bytes as they are (over TCP with their length prefix), prints
      the answer's bytes in hex or "no answer".
"""
import random
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "ANY": 255}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(msg, off, depth=0):
    labels = []
    while True:
        if depth > 20:
            raise ValueError("compression loop")
        length = msg[off]
        if length & 0xC0 == 0xC0:
            ptr = (length & 0x3F) << 8 | msg[off + 1]
            rest, _ = read_name(msg, ptr, depth + 1)
            labels.append(rest)
            return ".".join(l for l in labels if l), off + 2
        off += 1
        if length == 0:
            return ".".join(labels), off
        labels.append(msg[off:off + length].decode("latin-1"))
        off += length


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def exchange(server, port, data, tcp, timeout):
    s = socket.socket(family(server), socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        if tcp:
            s.connect((server, port))
            s.sendall(struct.pack("!H", len(data)) + data)
            head = b""
            while len(head) < 2:
                chunk = s.recv(2 - len(head))
                if not chunk:
                    return None
                head += chunk
            (n,) = struct.unpack("!H", head)
            body = b""
            while len(body) < n:
                chunk = s.recv(n - len(body))
                if not chunk:
                    return None
                body += chunk
            return body
        s.sendto(data, (server, port))
        return s.recv(65535)
    except (socket.timeout, ConnectionError, OSError):
        return None
    finally:
        s.close()


def main(argv):
    tcp = raw = False
    port, timeout = 53, 3.0
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--tcp":
            tcp = True
        elif a == "--raw":
            raw = True
        elif a == "--port":
            i += 1
            port = int(argv[i])
        elif a == "--timeout":
            i += 1
            timeout = float(argv[i])
        else:
            args.append(a)
        i += 1
    if raw:
        answer = exchange(args[0], port, bytes.fromhex(args[1]), tcp, timeout)
        print(answer.hex() if answer is not None else "no answer")
        return 0
    server, name = args[0], args[1]
    qtype = args[2].upper() if len(args) > 2 else "A"
    qt = TYPES[qtype] if qtype in TYPES else int(qtype)
    qid = random.randrange(65536)
    question = encode_name(name) + struct.pack("!HH", qt, 1)
    query = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question
    msg = exchange(server, port, query, tcp, timeout)
    if msg is None:
        print("no answer")
        return 1
    rid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    if rid != qid or not flags & 0x8000:
        print("wrong id or not an answer")
        return 1
    if qd != 1 or msg[12:12 + len(question)].lower() != question.lower():
        print("question not echoed")
        return 1
    status = RCODES.get(flags & 0xF, str(flags & 0xF))
    if flags & 0x0200:
        status += " tc"
    if flags & 0x0400:
        status += " aa"
    print(status)
    off = 12 + len(question)
    for _ in range(an):
        _, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == 1:
            print("A", socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28:
            print("AAAA", socket.inet_ntop(socket.AF_INET6, rdata))
        elif rtype == 12:
            print("PTR", read_name(msg, off)[0] + ".")
        else:
            print("TYPE%d %s" % (rtype, rdata.hex()))
        off += rdlen
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
