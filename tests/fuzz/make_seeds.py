#!/usr/bin/env python3
"""Writes the seed corpora of the jwt, http, sniff and ops fuzz targets
(tests/fuzz/corpus/<target>/). The frame corpus is older and kept by hand.
Run from the repository root: python3 tests/fuzz/make_seeds.py"""
import base64, hashlib, hmac, json, os, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def pack(v):
    """A small MessagePack encoder: enough for request frames."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if v >= 0:
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        return b"\xda" + struct.pack(">H", len(b)) + b
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(v)


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(claims, header=None, secret=b"fuzz-secret"):
    h = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    p = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest())
    return f"{h}.{p}.{sig}"


C = "c" + "a" * 26  # a conversation id shape
# One request per op of the session's op table (actors/session/session.cpp), with
# arguments of the right shapes.
OPS = {
    "msg_send": {"op": "msg.send", "rid": 1, "conv": C, "cid": "m1", "body": "hi",
                 "mentions": ["bob"], "format": "markdown"},
    "msg_send_reply": {"op": "msg.send", "rid": 2, "conv": C, "cid": "m2", "body": "re",
                       "reply_to": 1, "internal": True,
                       "attachments": ["b" + "a" * 26]},
    "msg_history": {"op": "msg.history", "rid": 3, "conv": C, "before": 10, "limit": 5},
    "msg_around": {"op": "msg.around", "rid": 4, "conv": C, "seq": 3},
    "read": {"op": "read", "rid": 5, "conv": C, "seq": 2},
    "typing": {"op": "typing", "conv": C, "state": "start"},
    "typing_with_rid": {"op": "typing", "rid": 49, "conv": C, "state": "stop"},
    "conv_create": {"op": "conv.create", "rid": 6, "kind": "private",
                    "participants": ["bob"], "cid": "k1",
                    "first": {"body": "hello", "format": "text"}},
    "conv_create_company": {"op": "conv.create", "rid": 7, "kind": "company",
                            "company": "acme", "participants": ["cli"]},
    "conv_create_support": {"op": "conv.create", "rid": 8, "kind": "support",
                            "participants": ["help"], "first": {"body": "help me"}},
    "conv_get": {"op": "conv.get", "rid": 9, "conv": C},
    "conv_list": {"op": "conv.list", "rid": 10, "limit": 20},
    "conv_open": {"op": "conv.open", "rid": 11, "conv": C, "since": 0},
    "conv_close": {"op": "conv.close", "rid": 12, "conv": C},
    "conv_end": {"op": "conv.end", "rid": 13, "conv": C},
    "participants_add": {"op": "conv.participants.add", "rid": 14, "conv": C,
                         "users": ["bob"]},
    "participants_remove": {"op": "conv.participants.remove", "rid": 15, "conv": C,
                            "users": ["bob"]},
    "admin_org_put": {"op": "admin.org.put", "rid": 16, "org": "o2", "name": "Two",
                      "alias": "help2", "window_hours": 24},
    "admin_user_put": {"op": "admin.user.put", "rid": 17, "user": "zed", "org": "o1",
                       "kind": "staff", "role": "member", "name": "Zed",
                       "email": "zed@o1.test"},
    "admin_company_put": {"op": "admin.company.put", "rid": 18, "company": "acme",
                          "org": "o1", "name": "Acme"},
    "admin_team_put": {"op": "admin.team.put", "rid": 19, "team": "t1", "org": "o1",
                       "name": "Team", "members": ["ann", "bob"]},
    "admin_favorites_set": {"op": "admin.favorites.set", "rid": 20, "user": "ann",
                            "companies": ["acme"]},
    "admin_ai_put": {"op": "admin.ai.put", "rid": 21, "user": "bot", "org": "o1",
                     "rules": [{"match": "price", "reply": "See the site"}]},
    "favorites_add": {"op": "favorites.add", "rid": 22, "company": "acme"},
    "favorites_remove": {"op": "favorites.remove", "rid": 23, "company": "acme"},
    "invite_send": {"op": "invite.send", "rid": 24, "email": "x@y.test", "note": "hi"},
    "invite_revoke": {"op": "invite.revoke", "rid": 25, "invitation": "i" + "a" * 26},
    "invite_accept": {"op": "invite.accept", "rid": 26, "invitation": "i" + "a" * 26},
    "invite_ignore": {"op": "invite.ignore", "rid": 27, "invitation": "i" + "a" * 26},
    "invite_list": {"op": "invite.list", "rid": 28},
    "blocks_list": {"op": "blocks.list", "rid": 29},
    "blocks_remove": {"op": "blocks.remove", "rid": 30, "org": "o2"},
    "support_assign": {"op": "support.assign", "rid": 31, "conv": C, "assignee": "bob"},
    "support_takeover": {"op": "support.takeover", "rid": 32, "conv": C},
    "support_close": {"op": "support.close", "rid": 33, "conv": C, "note": "done"},
    "support_snooze": {"op": "support.snooze", "rid": 34, "conv": C,
                       "until": 1900000000000},
    "support_unsnooze": {"op": "support.unsnooze", "rid": 35, "conv": C},
    "contact_block": {"op": "contact.block", "rid": 36, "contact": "kim"},
    "contact_unblock": {"op": "contact.unblock", "rid": 37, "contact": "kim"},
    "search": {"op": "search", "rid": 38, "q": "invoice \"late fee\" -spam",
               "scope": "messages"},
    "search_contacts": {"op": "search", "rid": 39, "q": "bob", "scope": "contacts"},
    "inbox_list": {"op": "inbox.list", "rid": 40, "inbox": "mine", "status": "open",
                   "sort": "newest", "unreplied": True},
    "inbox_views_put": {"op": "inbox.views.put", "rid": 41, "name": "Mine",
                        "base": "team:t1", "status": "open", "sort": "oldest"},
    "inbox_views_list": {"op": "inbox.views.list", "rid": 42},
    "inbox_views_remove": {"op": "inbox.views.remove", "rid": 43, "view": "v" + "a" * 26},
    "inbox_counts": {"op": "inbox.counts", "rid": 44},
    "auth_refresh": {"op": "auth.refresh", "rid": 45,
                     "token": token({"sub": "ann", "exp": 4102444800})},
    "hello_again": {"op": "hello", "rid": 46, "token": "x.y.z"},
    "unknown_op": {"op": "no.such.op", "rid": 47},
    "nul_body": {"op": "msg.send", "rid": 48, "conv": C, "cid": "n", "body": "a\x00b"},
}


def ops_seeds():
    for i, (name, req) in enumerate(sorted(OPS.items())):
        write("ops", name, bytes([i % 4]) + pack(req))
    # Several frames in one input, cut at 0xC1.
    seq = [OPS["conv_open"], OPS["msg_send"], OPS["read"], OPS["conv_close"]]
    write("ops", "sequence", b"\x00" + b"\xc1".join(pack(r) for r in seq))
    write("ops", "admin_sequence", b"\x03" + b"\xc1".join(
        pack(OPS[k]) for k in ["admin_org_put", "admin_user_put", "admin_team_put"]))


def jwt_seeds():
    good = token({"sub": "ann", "exp": 1800000000})
    write("jwt", "token_valid", b"\x00" + good.encode())
    write("jwt", "token_none", b"\x00" + token({"sub": "a", "exp": 1}, {"alg": "none"}).encode())
    write("jwt", "claims", b"\x01" + b'{"sub":"ann","exp":1700003600,"adm":true}')
    write("jwt", "claims_nested", b"\x01" + b'{"sub":"a","exp":1700000100,"x":[[{"y":1.5e3}]]}')
    write("jwt", "claims_dup", b"\x01" + b'{"sub":"a","sub":"b","exp":1700000100}')
    write("jwt", "claims_unicode", b"\x01" + '{"sub":"\\u00e9t\\u00e9","exp":1700000100}'.encode())
    write("jwt", "header_claims", b"\x02" + b'{"alg":"HS256"}\xff{"sub":"a","exp":1700000100}')
    write("jwt", "header_other_alg", b"\x02" + b'{"alg":"HS512"}\xff{"sub":"a","exp":1700000100}')
    write("jwt", "sign_flip", b"\x03" + b"\x01\x00\x01\x00\x05\x20ann")
    write("jwt", "sign_flip_escape", b"\x03" + b"\x00\x10\x00\x00\x30\x02a\"b\\c\x01d")


def http_seeds():
    tok = token({"sub": "ann", "exp": 1800000000})
    reqs = {
        "upload": f"POST /v1/blobs?name=report%20Q1.pdf HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {tok}\r\nContent-Length: 9\r\n\r\n%PDF-1.7\n",
        "upload_chunked": "POST /v1/blobs?name=a+b.txt&x=1 HTTP/1.1\r\nHost: x\r\n"
                          "authorization: bearer abc\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n0\r\n\r\n",
        "upload_te_list": "POST /v1/blobs?name=a.png HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        "download": f"GET /v1/blobs/b{'a' * 26} HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Bearer {tok}\r\n\r\n",
        "download_query": "GET /v1/blobs/x?y=%zz HTTP/1.0\r\n\r\n",
        "upgrade": "GET /v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n",
        "healthz": "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "metrics_head": "HEAD /metrics HTTP/1.1\r\n\r\n",
        "bad_line": "GET\r\n\r\n",
        "name_unicode": "POST /v1/blobs?name=%C3%A9t%C3%A9.TXT HTTP/1.1\r\n"
                        "Content-Length: 4\r\n\r\n\xc3\xa9t\xc3".encode("latin-1").decode("latin-1"),
    }
    for i, (name, text) in enumerate(reqs.items()):
        write("http", name, bytes([(i * 37) % 256]) + text.encode("latin-1"))


def sniff_seeds():
    contents = {
        "pdf": (0, b"%PDF-1.7\n1 0 obj"),
        "png": (1, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "jpeg": (2, b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        "gif": (4, b"GIF89a\x01\x00\x01\x00"),
        "text": (5, "héllo wörld ✓ 😀\n".encode()),
        "text_bad": (5, b"caf\xc3(\xed\xa0\x80"),
        "text_nul": (6, b"a\x00b"),
        "zip": (7, b"PK\x03\x04"),
    }
    for name, (ext, content) in contents.items():
        write("sniff", name, bytes([ext, 3]) + content)


if __name__ == "__main__":
    ops_seeds()
    jwt_seeds()
    http_seeds()
    sniff_seeds()
