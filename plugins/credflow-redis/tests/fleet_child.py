"""One replica of the fleet tests: a process whose threads all ask for the same client's token.

Run as `python fleet_child.py '<json options>'` with the client secret and the
Redis URL in the environment variables the options name. Protocol on stdio:
prints `ready`, waits for the line `go`, then all `threads` call
`get_token()` at once and the process prints `burst <fingerprints>`. Then
`keep_calling` threads go on calling every `interval` seconds until the line
`stop` arrives; the process prints `done <fingerprints>` (after any
`error <type>` lines) and exits.
"""

from __future__ import annotations

import json
import sys
import threading

from redis_helpers import client_config, make_host

from credflow import TokenEngine


def main() -> None:
    """Run one replica as the options say."""
    options = json.loads(sys.argv[1])
    config = client_config(
        options["token_endpoint"],
        secret_env=options["secret_env"],
        redis_url_env=options["redis_url_env"],
        key_prefix=options["key_prefix"],
        **options.get("cache", {}),
    )
    engine = TokenEngine(config, plugins=make_host())
    threads: int = options["threads"]
    keep_calling: int = options.get("keep_calling", 2)
    interval: float = options.get("interval", 0.02)
    print("ready", flush=True)
    sys.stdin.readline()  # "go"

    seen: set[str] = set()
    burst: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    burst_done = threading.Barrier(
        threads, action=lambda: print("burst " + " ".join(sorted(burst)), flush=True)
    )
    stop = threading.Event()

    def caller(index: int) -> None:
        start.wait()
        try:
            token = engine.get_token()
            with lock:
                burst.add(token.fingerprint)
                seen.add(token.fingerprint)
        except Exception as exc:
            with lock:
                errors.append(type(exc).__name__)
        burst_done.wait()
        # Fewer callers after the burst keep 16 processes light on a small machine.
        while index < keep_calling and not stop.wait(interval):
            try:
                fingerprint = engine.get_token().fingerprint
            except Exception as exc:
                with lock:
                    errors.append(type(exc).__name__)
                continue
            with lock:
                seen.add(fingerprint)

    workers = [threading.Thread(target=caller, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    sys.stdin.readline()  # "stop"
    stop.set()
    for worker in workers:
        worker.join()
    for error in sorted(set(errors)):
        print(f"error {error}", flush=True)
    print("done " + " ".join(sorted(seen)), flush=True)


if __name__ == "__main__":
    main()
