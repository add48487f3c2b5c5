"""A stand-in for ``python -m conformance.sandbox`` (no TF), for the pool's tests.

Same arguments and wire format. Each request is answered with what it asked for:
{"echo": X} -> observed {"echo": X}; {"die": true} -> the process exits without a reply;
{"sleep": S} -> sleeps S seconds first (before dying, too).
"""
import json
import os
import sys
import time


def main() -> None:
    req_fd, resp_fd = int(sys.argv[3]), int(sys.argv[4])
    requests = os.fdopen(req_fd, "r")
    responses = os.fdopen(resp_fd, "w")
    responses.write(json.dumps({"hello": {"tf": "0.0", "python": "3", "gpus": []}}) + "\n")
    responses.flush()
    for line in requests:
        request = json.loads(line)
        if request.get("op") == "exit":
            break
        time.sleep(request.get("sleep", 0))
        if request.get("die"):
            os._exit(3)
        responses.write(json.dumps({"outcome": "ok", "observed": {"echo": request.get("echo")}})
                        + "\n")
        responses.flush()


if __name__ == "__main__":
    main()
