#!/usr/bin/python3
"""Invalid WebSocket frames against a real parleyd, sent with Autobahn's client
protocol (Debian's python3-autobahn): its sendFrame() writes any frame on purpose,
invalid ones included (fin, rsv, opcode, masking are the caller's). Each case opens
a connection, writes its frames and records what the server did: the close code it
sent (or that it dropped the connection), and for the valid cases the reply.

What each case must get (RFC 6455 and docs/protocol.md "Close codes"):
  fragmented hello with a ping in between   pong, then the reply to the hello
  fragmented ping (FIN clear)               1002 (control frames are never fragmented)
  ping with a 126-byte payload              1002 (control payloads are at most 125)
  RSV1/RSV2/RSV3 set (nothing negotiated)   1002
  reserved opcodes 3-7 and 0xB-0xF          1002
  unmasked client frame                     1002 (a client masks every frame)
  continuation with nothing to continue     1002
  new data frame inside a fragmented one    1002
  text frame, valid or invalid UTF-8        1007 (Parley takes binary MessagePack only)
  binary frame that is not a map            1007
  message over max_frame (1 MiB)            1009
  close 1000                                close 1000 echoed, then the TCP close
  close without a payload                   close 1000 (RFC 6455 7.4.1: 1005 is never sent)
  close with a 1-byte payload               1002
  close with code 1005, 1006, 999, 1016     1002 (not to be sent on the wire)
  close with a reason of invalid UTF-8      1002 or 1007

Exits 77 (skipped) when python3-autobahn is missing.
Usage: autobahn_frames.py PARLEYD"""
import asyncio
import sys

try:
    from autobahn.asyncio.websocket import (WebSocketClientFactory,
                                            WebSocketClientProtocol)
except ImportError:
    print("SKIP: python3-autobahn is not installed (apt-get install python3-autobahn)")
    sys.exit(77)

sys.path.insert(0, __import__("os").path.dirname(__file__))
import parley_wire  # noqa: E402

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


class Probe(WebSocketClientProtocol):
    """Writes the case's frames once open; records what comes back."""

    def onOpen(self):
        self.events = []
        self.factory.case["send"](self)

    def onMessage(self, payload, isBinary):
        self.events.append(("message", parley_wire.unpack(payload) if isBinary else payload))

    def onPong(self, payload):
        self.events.append(("pong", payload))

    def onClose(self, wasClean, code, reason):
        result = {"remote_code": self.remoteCloseCode, "events": getattr(self, "events", []),
                  "clean": wasClean}
        if not self.factory.done.done():
            self.factory.done.set_result(result)


async def run_case(port, case):
    loop = asyncio.get_running_loop()
    factory = WebSocketClientFactory(f"ws://127.0.0.1:{port}/v1")
    factory.protocol = Probe
    # Let the server's close decide; do not fail on our own frames' account.
    factory.setProtocolOptions(failByDrop=False, closeHandshakeTimeout=5,
                               openHandshakeTimeout=10)
    factory.case = case
    factory.done = loop.create_future()
    transport, proto = await loop.create_connection(factory, "127.0.0.1", port)
    try:
        if case.get("then_close"):
            # A valid case: give the server time to answer, then close normally.
            await asyncio.sleep(1.0)
            proto.sendClose(1000)
        return await asyncio.wait_for(factory.done, 15)
    finally:
        transport.close()


def hello(token):
    return parley_wire.pack({"op": "hello", "rid": 1, "token": token})


def cases(token):
    msg = hello(token)
    half = len(msg) // 2
    big = parley_wire.pack({"op": "hello", "rid": 1, "token": "x" * (1024 * 1024 + 10)})

    def frames(*fs, unmasked=False):
        def send(p):
            if unmasked:
                p.maskClientFrames = False
            for f in fs:
                p.sendFrame(**f)
        return send

    def f(opcode, payload=b"", fin=True, rsv=0):
        return {"opcode": opcode, "payload": payload, "fin": fin, "rsv": rsv}

    out = [
        {"name": "fragmented hello with a ping in between", "then_close": True,
         "send": frames(f(BINARY, msg[:half], fin=False), f(PING, b"p1"),
                        f(CONT, msg[half:])),
         "expect": "reply"},
        {"name": "fragmented ping", "send": frames(f(PING, b"a", fin=False), f(CONT, b"b")),
         "expect": {1002}},
        {"name": "ping of 126 bytes", "send": frames(f(PING, b"x" * 126)), "expect": {1002}},
        {"name": "unmasked binary frame", "send": frames(f(BINARY, msg), unmasked=True),
         "expect": {1002}},
        {"name": "continuation with nothing to continue", "send": frames(f(CONT, b"x")),
         "expect": {1002}},
        {"name": "new data frame inside a fragmented one",
         "send": frames(f(BINARY, msg[:half], fin=False), f(BINARY, msg[half:])),
         "expect": {1002}},
        {"name": "text frame, valid UTF-8", "send": frames(f(TEXT, b"hello")),
         "expect": {1007}},
        {"name": "text frame, invalid UTF-8", "send": frames(f(TEXT, b"\xce\xba\xe1\xbd\xb9\xed\xa0\x80")),
         "expect": {1007}},
        {"name": "fragmented text, invalid UTF-8 across the cut",
         "send": frames(f(TEXT, b"ok\xf0\x9f", fin=False), f(CONT, b"\x28\x8c")),
         "expect": {1007}},
        {"name": "binary frame that is not a map", "send": frames(f(BINARY, b"\x93\x01\x02\x03")),
         "expect": {1007}},
        {"name": "message over max_frame", "send": frames(f(BINARY, big)), "expect": {1009}},
        {"name": "close 1000", "send": frames(f(CLOSE, close_payload(1000, b"bye"))),
         "expect": {1000}},
        {"name": "close 4000 (application range)", "send": frames(f(CLOSE, close_payload(4000))),
         "expect": {4000}},
        {"name": "close without a payload", "send": frames(f(CLOSE)), "expect": {1000}},
        {"name": "close with a 1-byte payload", "send": frames(f(CLOSE, b"\x03")),
         "expect": {1002}},
        {"name": "close with a reason of invalid UTF-8",
         "send": frames(f(CLOSE, close_payload(1000, b"\xff\xfe"))), "expect": {1002, 1007}},
        {"name": "close after a fragment", "send": frames(f(BINARY, msg[:half], fin=False),
                                                          f(CLOSE, close_payload(1001))),
         "expect": {1001}},
    ]
    for rsv in (1, 2, 4):
        out.append({"name": f"RSV bits {rsv:03b}", "send": frames(f(BINARY, msg, rsv=rsv)),
                    "expect": {1002}})
    for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
        out.append({"name": f"reserved opcode {op}", "send": frames(f(op, b"x")),
                    "expect": {1002}})
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999):
        out.append({"name": f"close with code {code}",
                    "send": frames(f(CLOSE, close_payload(code))), "expect": {1002}})
    return out


async def main(binary):
    server = parley_wire.Parleyd(binary)
    failures = 0
    try:
        token = server.token("autobahn-probe", admin=True)
        for case in cases(token):
            try:
                got = await run_case(server.port, case)
            except Exception as e:  # noqa: BLE001
                got = {"error": repr(e)}
            expect = case["expect"]
            if expect == "reply":
                kinds = [e[0] for e in got.get("events", [])]
                replies = [e[1] for e in got.get("events", []) if e[0] == "message"]
                ok = ("pong" in kinds and replies and replies[0].get("rid") == 1
                      and replies[0].get("ok") is True
                      and kinds.index("pong") < kinds.index("message"))
            else:
                ok = got.get("remote_code") in expect
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {case['name']}: "
                  f"{'close ' + str(got.get('remote_code')) if 'remote_code' in got else got}"
                  + ("" if ok else f" (expected {expect})"))
        if not server.alive():
            print("FAIL parleyd exited")
            failures += 1
    finally:
        server.stop()
    total = len(cases("t"))
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1])))
