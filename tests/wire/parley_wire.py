"""What the wire tests (tests/wire/*.py) share: a parleyd on a database of its own,
tokens, and a minimal WebSocket client over a plain socket (frames written byte by
byte, so a test can also write invalid ones) speaking MessagePack.

The database comes from the PostgreSQL that the PG* variables name, like the C++
integration tests (tests/integration/harness.cpp): createdb/dropdb."""
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import struct
import subprocess
import tempfile
import time

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


# -- MessagePack (only what requests and replies use) -------------------------------

def pack(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if v >= 0:
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xA0 | len(b)]) if len(b) < 32 else b"\xdb" + struct.pack(">I", len(b))) + b
    if isinstance(v, bytes):
        return b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        return b"\xdd" + struct.pack(">I", len(v)) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return b"\xdf" + struct.pack(">I", len(v)) + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(type(v))


def unpack(b):
    v, i = _unpack(b, 0)
    return v


def _unpack(b, i):
    t = b[i]
    i += 1
    if t < 0x80:
        return t, i
    if t >= 0xE0:
        return t - 256, i
    if 0x80 <= t <= 0x8F:
        return _map(b, i, t & 15)
    if 0x90 <= t <= 0x9F:
        return _arr(b, i, t & 15)
    if 0xA0 <= t <= 0xBF:
        n = t & 31
        return b[i:i + n].decode("utf-8", "replace"), i + n
    if t == 0xC0:
        return None, i
    if t in (0xC2, 0xC3):
        return t == 0xC3, i
    fixed = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h",
             0xD2: ">i", 0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}
    if t in fixed:
        n = struct.calcsize(fixed[t])
        return struct.unpack(fixed[t], b[i:i + n])[0], i + n
    sized = {0xD9: (1, "s"), 0xDA: (2, "s"), 0xDB: (4, "s"), 0xC4: (1, "b"), 0xC5: (2, "b"),
             0xC6: (4, "b"), 0xDC: (2, "a"), 0xDD: (4, "a"), 0xDE: (2, "m"), 0xDF: (4, "m")}
    w, kind = sized[t]
    n = int.from_bytes(b[i:i + w], "big")
    i += w
    if kind == "s":
        return b[i:i + n].decode("utf-8", "replace"), i + n
    if kind == "b":
        return b[i:i + n], i + n
    return _arr(b, i, n) if kind == "a" else _map(b, i, n)


def _arr(b, i, n):
    out = []
    for _ in range(n):
        v, i = _unpack(b, i)
        out.append(v)
    return out, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _unpack(b, i)
        v, i = _unpack(b, i)
        out[k] = v
    return out, i


# -- parleyd ----------------------------------------------------------------------

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Parleyd:
    """parleyd serving a fresh database; stop() drops it."""

    def __init__(self, binary, extra=(), wrapper=(), db=None, port=0, secret=None,
                 host="127.0.0.1"):
        """`wrapper` runs parleyd under another program (zzuf); `db` reuses a
        database (its owner drops it); `port` 0 lets the kernel choose; `host` is
        the address to listen on."""
        self.secret = secret or "wire-secret-" + secrets.token_hex(8)
        self.own_db = db is None
        self.db = db or "parley_wire_" + secrets.token_hex(6)
        if self.own_db:
            subprocess.run(["createdb", self.db], check=True)
        self.err = tempfile.NamedTemporaryFile(prefix="parleyd-wire-", suffix=".err",
                                               delete=False)
        self.proc = subprocess.Popen(
            [*wrapper, binary, "serve", "--listen", f"{host}:{port}",
             "--db", "dbname=" + self.db, "--token-secret", self.secret, *extra],
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if "listening on " in line:
                self.port = int(line.rsplit(":", 1)[1])
                break
        if self.port is None:
            err = self.stderr()
            self.stop()
            raise RuntimeError("parleyd did not start: " + err)

    def token(self, sub, admin=False, ttl=3600):
        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": sub, "exp": int(time.time()) + ttl}
        if admin:
            claims["adm"] = True
        payload = b64(json.dumps(claims).encode())
        sig = hmac.new(self.secret.encode(), f"{header}.{payload}".encode(),
                       hashlib.sha256).digest()
        return f"{header}.{payload}.{b64(sig)}"

    def alive(self):
        return self.proc.poll() is None

    def stderr(self):
        with open(self.err.name, errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM to parleyd (under a wrapper: to the wrapper's children, so the
        wrapper reports how parleyd ended); the exit status is in proc.returncode."""
        if self.proc.poll() is None:
            children = subprocess.run(["pgrep", "-P", str(self.proc.pid)],
                                      capture_output=True, text=True).stdout.split()
            for pid in children or [str(self.proc.pid)]:
                try:
                    os.kill(int(pid), 15)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.own_db:
            subprocess.run(["dropdb", "--if-exists", "--force", self.db], check=False)
        self.stderr_at_stop = self.stderr()
        os.unlink(self.err.name)


# -- a WebSocket client over a plain socket ---------------------------------------------

class RawWs:
    def __init__(self, port, timeout=10, host="127.0.0.1"):
        """`host`: the address to connect to (all of 127.0.0.0/8 is loopback)."""
        self.s = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET /v1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                       .encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        self.rid = 0

    def send_frame(self, opcode, payload=b"", fin=True, rsv=0, mask=True):
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            head = bytes([b0, m | n])
        elif n < 65536:
            head = bytes([b0, m | 126]) + struct.pack(">H", n)
        else:
            head = bytes([b0, m | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
            head += key
        self.s.sendall(head + payload)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def recv_frame(self):
        """(opcode, payload) of the next frame; ConnectionError at EOF."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(at + n)
        payload = self.buf[at:at + n]
        self.buf = self.buf[at + n:]
        return b0 & 0x0F, payload

    def request(self, op, timeout=10, **fields):
        """Sends a request and returns its reply (skipping pushes); TimeoutError
        when none comes within `timeout` seconds."""
        self.rid += 1
        rid = self.rid
        self.send_frame(2, pack({"op": op, "rid": rid, **fields}))
        deadline = time.time() + timeout
        while True:
            if time.time() > deadline:
                raise TimeoutError(f"no reply to {op} (rid {rid})")
            opcode, payload = self.recv_frame()
            if opcode == 9:
                self.send_frame(10, payload)
                continue
            if opcode != 2:
                continue
            m = unpack(payload)
            if m.get("op") == "reply" and m.get("rid") == rid:
                return m

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def provision(server, users):
    """Org "acme" and staff `users`, through an admin connection."""
    admin = RawWs(server.port)
    assert admin.request("hello", token=server.token("provisioner", admin=True))["ok"]
    assert admin.request("admin.org.put", org="acme", name="Acme")["ok"]
    for u in users:
        r = admin.request("admin.user.put", user=u, org="acme", kind="staff", name=u)
        assert r["ok"], r
    admin.close()
