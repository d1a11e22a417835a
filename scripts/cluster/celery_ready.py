"""Exit 0 once N celery workers answer a ping on the broker in cluster.env."""

from __future__ import annotations

import os
import sys

from celery import Celery


def main(expected: int) -> int:
    app = Celery(
        broker=os.environ["TICKERPULSE_CELERY_BROKER"],
        backend=os.environ["TICKERPULSE_CELERY_BACKEND"],
    )
    replies = app.control.ping(timeout=2.0)
    return 0 if len(replies) >= expected else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
