"""A stand-in for ``python -m conformance.execution.sandbox`` (no TF), for the pool's tests.

Same arguments and wire messages. A request's ``code``, read as JSON, says what to do:
{"echo": X} -> observed {"echo": X}; {"die": true} -> the process exits without a reply;
{"sleep": S} -> sleeps S seconds first (before dying, too); {"wrong_id": true} -> replies
with another request's id. Code that is not JSON is echoed as None.
"""
import json
import os
import sys
import time

from conformance.execution import wire


def main() -> None:
    req_fd, resp_fd = int(sys.argv[3]), int(sys.argv[4])
    wire.send(resp_fd, wire.Hello({"tf": "0.0", "python": "3", "gpus": []}))
    receiver = wire.Receiver(req_fd)
    while True:
        try:
            request = receiver.receive()
        except wire.Closed:
            break
        if not isinstance(request, wire.Request):
            break
        try:
            what = json.loads(request.code)
        except ValueError:
            what = {}
        time.sleep(what.get("sleep", 0))
        if what.get("die"):
            os._exit(3)
        ident = request.id + 1000 if what.get("wrong_id") else request.id
        wire.send(resp_fd, wire.Reply(ident, "ok", observed={"echo": what.get("echo")}))


if __name__ == "__main__":
    main()
