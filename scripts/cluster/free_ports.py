"""Print N free TCP ports on 127.0.0.1 whose port+10000 is free too (SeaweedFS's gRPC)."""

from __future__ import annotations

import random
import socket
import sys

# Below the Linux ephemeral range, so a port we pick is not handed to an outgoing
# connection before the server binds it; +10000 stays below it as well.
LOW, HIGH = 15000, 22000


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    picked: list[int] = []
    for port in random.sample(range(LOW, HIGH), HIGH - LOW):
        if _free(port) and _free(port + 10000):
            picked.append(port)
            if len(picked) == count:
                return picked
    raise SystemExit(f"fewer than {count} free port pairs in {LOW}..{HIGH}")


if __name__ == "__main__":
    print(" ".join(str(p) for p in free_ports(int(sys.argv[1]))))
