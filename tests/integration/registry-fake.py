#!/usr/bin/env python3
"""Servers for registry-client.bats, on 127.0.0.1 only.

  registry-fake.py token PORT LOG KEY CERT ISSUER
      A token service for docker-registry's `auth: token`: JWTs signed RS256
      (with `openssl dgst`, so python3 alone will do) by KEY, whose
      certificate CERT is in the registry's rootcertbundle and goes in the
      x5c header. Users: alice:secret (token in "token"), bob:hunter2 (in
      "access_token" only, with issued_at); anonymous gets pull only; wrong
      credentials get a 401. Each request is logged to LOG as a JSON line.

  registry-fake.py bad PORT LOG
      A registry that misbehaves on purpose (see BadHandler).

  registry-fake.py redirect PORT_A PORT_B LOG
      A registry on PORT_A that wants credentials (Basic for repo "basic-app",
      Bearer for "bearer-app") and answers blob GETs with a 307 to storage on
      PORT_B (or to localhost:PORT_A); every request's Authorization header
      is logged to LOG, so the test can see what went where.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def log_line(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None, ctype="application/json"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


# --- token service --------------------------------------------------------

USERS = {"alice": "secret", "bob": "hunter2"}


class TokenHandler(Quiet):
    def do_GET(self):
        cfg = self.server.cfg
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        user = None
        auth = self.headers.get("Authorization")
        if auth:
            kind, _, val = auth.partition(" ")
            u, _, p = base64.b64decode(val).decode().partition(":")
            if kind != "Basic" or USERS.get(u) != p:
                log_line(cfg["log"], {"user": u, "scopes": q.get("scope", []), "status": 401})
                return self.send(401, json.dumps({"details": "incorrect username or password"}))
            user = u
        access = []
        for s in q.get("scope", []):
            typ, _, rest = s.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            granted = wanted if user else [a for a in wanted if a == "pull"]
            access.append({"type": typ, "name": name, "actions": granted})
        log_line(cfg["log"], {"user": user, "scopes": q.get("scope", []),
                              "service": q.get("service", [None])[0], "status": 200})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cfg["x5c"]]}
        claims = {"iss": cfg["issuer"], "sub": user or "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": access}
        signing = (b64url(json.dumps(header).encode()) + "." +
                   b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", cfg["key"]],
                             input=signing, capture_output=True, check=True).stdout
        token = signing.decode() + "." + b64url(sig)
        if user == "bob":
            body = {"access_token": token, "expires_in": 300,
                    "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
        else:
            body = {"token": token}
        self.send(200, json.dumps(body))


# --- a registry that misbehaves -------------------------------------------

GOOD = b"the right bytes\n"
GOOD_DIGEST = "sha256:" + hashlib.sha256(GOOD).hexdigest()
MANIFEST = json.dumps({"schemaVersion": 2,
                       "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": GOOD_DIGEST, "size": len(GOOD)},
                       "layers": []}).encode()
FLAKY = bytes(range(256)) * 400
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()


def errors(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]})


class BadHandler(Quiet):
    """Routes by repository name (/v2/<repo>/…):
    corrupt    blobs: other bytes than the digest says
    truncated  blobs: Content-Length 1000, 100 bytes, then the connection closes
    long       blobs: the right bytes and then some more
    stall      blobs: half the body, then nothing for 60 s
    nochallenge   anything: 401 without WWW-Authenticate
    missing    manifests: 404 MANIFEST_UNKNOWN
    big        manifests: a 10000-byte manifest
    wrongdigest manifests: Docker-Content-Digest of something else
    notype     manifests: no Content-Type (the body's mediaType is the type)
    pages      tags/list: three pages joined by Link headers
    weird      anything: a challenge with quoted commas, escapes, several params and schemes
    accept     manifests: 406 unless Accept names the four manifest types (and no schema 1)
    flaky      blobs: the first GET breaks off halfway, a Range request gets the rest (206)
    flaky200   blobs: the first GET breaks off halfway, then the whole blob again (200)
    upl        uploads: relative Locations whose _state query must come back, as
               distribution's do; the bytes checked against ?digest= at the end
    """

    uploads = {}
    flaky_tries = {}

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def upload_state(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        uid = url.path.rsplit("/", 1)[-1]
        state = q.get("_state", [None])[0]
        up = self.uploads.get(uid)
        if up is None or state != up["state"]:
            self.send(400, errors("BLOB_UPLOAD_INVALID", "bad upload state %r" % state))
            return None, None
        return uid, q

    def do_POST(self):
        self.body()
        log_line(self.server.cfg["log"], {"method": "POST", "path": self.path})
        uid = "u%d" % len(self.uploads)
        self.uploads[uid] = {"state": "s0", "data": b"", "n": 0}
        self.send(202, "", {"Location": "/v2/upl/blobs/uploads/%s?_state=s0" % uid,
                            "Range": "0-0"})

    def do_PATCH(self):
        data = self.body()
        log_line(self.server.cfg["log"], {"method": "PATCH", "path": self.path,
                                          "range": self.headers.get("Content-Range")})
        uid, q = self.upload_state()
        if uid is None:
            return
        up = self.uploads[uid]
        start = len(up["data"])
        want = "%d-%d" % (start, start + len(data) - 1)
        if self.headers.get("Content-Range") != want:
            return self.send(416, errors("BLOB_UPLOAD_INVALID", "range is not " + want))
        up["data"] += data
        up["n"] += 1
        up["state"] = "s%d" % up["n"]
        self.send(202, "", {"Location": "/v2/upl/blobs/uploads/%s?_state=%s" % (uid, up["state"]),
                            "Range": "0-%d" % (len(up["data"]) - 1)})

    def do_PUT(self):
        data = self.body()
        log_line(self.server.cfg["log"], {"method": "PUT", "path": self.path})
        uid, q = self.upload_state()
        if uid is None:
            return
        up = self.uploads.pop(uid)
        got = "sha256:" + hashlib.sha256(up["data"] + data).hexdigest()
        if q.get("digest", [None])[0] != got:
            return self.send(400, errors("DIGEST_INVALID", "digest is %s" % got))
        self.send(201, "", {"Docker-Content-Digest": got,
                            "Location": "/v2/upl/blobs/" + got})

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        log_line(self.server.cfg["log"], {"path": self.path, "range": self.headers.get("Range"),
                                          "authorization": self.headers.get("Authorization")})
        parts = urllib.parse.urlparse(self.path).path.split("/")
        if self.path == "/v2/":
            return self.send(200, "{}")
        repo = parts[2] if len(parts) > 2 else ""
        kind = parts[3] if len(parts) > 3 else ""
        if repo == "nochallenge":
            return self.send(401, errors("UNAUTHORIZED", "authentication required"))
        if repo == "weird":
            return self.send(401, errors("UNAUTHORIZED", "no token for you"), {
                "WWW-Authenticate": 'Negotiate abc==, Basic realm="a, \\"quoted\\" realm", '
                                    'BEARER realm="http://127.0.0.1:1/nope?x=1,2",'
                                    'service="weird svc",scope="repository:weird:pull,push"'})
        if kind == "blobs":
            if repo == "corrupt":
                return self.send(200, b"the wrong bytes\n", ctype="application/octet-stream")
            if repo == "long":
                return self.send(200, GOOD + b"and more", ctype="application/octet-stream")
            if repo in ("truncated", "stall"):
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"x" * 100)
                self.wfile.flush()
                if repo == "stall":
                    time.sleep(60)
                self.close_connection = True
                return
            if repo == "good":
                return self.send(200, GOOD, ctype="application/octet-stream")
            if repo in ("flaky", "flaky200"):
                data = FLAKY
                tries = self.flaky_tries.get(repo, 0)
                self.flaky_tries[repo] = tries + 1
                rng = self.headers.get("Range")
                if tries == 0:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if repo == "flaky" and rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                    return self.send(206, data[start:], {
                        "Content-Range": "bytes %d-%d/%d" % (start, len(data) - 1, len(data))},
                        ctype="application/octet-stream")
                return self.send(200, data, ctype="application/octet-stream")
        if kind == "manifests":
            mt = "application/vnd.oci.image.manifest.v1+json"
            if repo == "missing":
                return self.send(404, errors("MANIFEST_UNKNOWN", "manifest unknown"))
            if repo == "big":
                body = json.dumps({"schemaVersion": 2, "mediaType": mt,
                                   "annotations": {"pad": "x" * 10000}})
                return self.send(200, body, ctype=mt)
            if repo == "wrongdigest":
                return self.send(200, MANIFEST, {"Docker-Content-Digest": GOOD_DIGEST}, ctype=mt)
            if repo == "notype":
                self.send_response(200)
                self.send_header("Content-Length", str(len(MANIFEST)))
                self.end_headers()
                self.wfile.write(MANIFEST)
                return
            if repo == "good":
                return self.send(200, MANIFEST, {"Docker-Content-Digest": MANIFEST_DIGEST},
                                 ctype=mt)
            if repo == "accept":
                acc = [a.strip() for a in ",".join(self.headers.get_all("Accept") or [])
                       .split(",")]
                need = ["application/vnd.oci.image.index.v1+json", mt,
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.docker.distribution.manifest.v2+json"]
                if any(n not in acc for n in need) or any("prettyjws" in a for a in acc):
                    return self.send(406, errors("UNSUPPORTED", "accept was %r" % acc))
                return self.send(200, MANIFEST, ctype=mt)
        if kind == "tags" and repo == "pages":
            q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            page = int(q.get("page", ["0"])[0])
            tags = [["a", "b"], ["c", "d"], ["e"]][page]
            headers = {}
            if page < 2:
                headers["Link"] = '</v2/pages/tags/list?page=%d&n=2>; rel="next"' % (page + 1)
            return self.send(200, json.dumps({"name": "pages", "tags": tags}), headers)
        return self.send(404, errors("NAME_UNKNOWN", "repository name not known to registry"))


# --- redirects to another host --------------------------------------------

STORED = b"blob bytes behind a redirect\n"
STORED_DIGEST = "sha256:" + hashlib.sha256(STORED).hexdigest()


class RedirectHandler(Quiet):
    def do_GET(self):
        cfg = self.server.cfg
        auth = self.headers.get("Authorization")
        log_line(cfg["log"], {"port": self.server.server_address[1],
                              "host": self.headers.get("Host"), "path": self.path,
                              "authorization": auth})
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/storage/"):
            return self.send(200, STORED, ctype="application/octet-stream")
        if path == "/token":
            return self.send(200, json.dumps({"token": "tok123", "expires_in": 120}))
        parts = path.split("/")
        repo = parts[2] if len(parts) > 2 else ""
        basic = "Basic " + base64.b64encode(b"alice:secret").decode()
        if repo == "bearer-app":
            if auth != "Bearer tok123":
                realm = "http://127.0.0.1:%d/token" % cfg["port_a"]
                return self.send(401, errors("UNAUTHORIZED", "authentication required"), {
                    "WWW-Authenticate": 'Bearer realm="%s",service="fake",'
                                        'scope="repository:bearer-app:pull"' % realm})
        elif auth != basic:
            return self.send(401, errors("UNAUTHORIZED", "authentication required"),
                             {"WWW-Authenticate": 'Basic realm="fake"'})
        if path == "/v2/":
            return self.send(200, "{}")
        if len(parts) > 4 and parts[3] == "blobs":
            where = cfg["where"]
            if os.path.exists(where):
                with open(where) as f:
                    target = f.read().strip()
            else:
                target = "other-port"
            if target == "same-host":
                loc = "/storage/%s?sig=1" % parts[4]
            elif target == "localhost":
                loc = "http://localhost:%d/storage/%s?sig=1" % (cfg["port_a"], parts[4])
            else:
                loc = "http://127.0.0.1:%d/storage/%s?sig=1" % (cfg["port_b"], parts[4])
            return self.send(307, "", {"Location": loc})
        return self.send(404, errors("BLOB_UNKNOWN", "blob unknown to registry"))


def serve(port, handler, cfg):
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    srv.cfg = cfg
    return srv


def main():
    mode = sys.argv[1]
    if mode == "token":
        port, log, key, cert, issuer = int(sys.argv[2]), sys.argv[3], sys.argv[4], \
            sys.argv[5], sys.argv[6]
        with open(cert) as f:
            pem = f.read()
        x5c = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
        serve(port, TokenHandler, {"log": log, "key": key, "x5c": x5c,
                                   "issuer": issuer}).serve_forever()
    elif mode == "bad":
        serve(int(sys.argv[2]), BadHandler, {"log": sys.argv[3]}).serve_forever()
    elif mode == "redirect":
        a, b, log = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        cfg = {"log": log, "port_a": a, "port_b": b, "where": log + ".where"}
        sb = serve(b, RedirectHandler, cfg)
        threading.Thread(target=sb.serve_forever, daemon=True).start()
        serve(a, RedirectHandler, cfg).serve_forever()
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
