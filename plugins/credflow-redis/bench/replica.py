"""One replica for bench_redis.py: `threads` threads calling get_token() until told to stop.

Usage: `python replica.py '<json options>'`; prints `ready`, starts on the line
`go`, prints `warm` once every thread has its first token, stops on the line
`stop`, prints `done` and exits. The client secret and
Redis URL come from the environment variables the options name.
"""

from __future__ import annotations

import json
import sys
import threading

from credflow import CachePolicy, ClientConfig, PluginHost, TokenEngine


def main() -> None:
    """Run one replica as the options say."""
    options = json.loads(sys.argv[1])
    settings = {"url": f"env:{options['redis_url_env']}", "key_prefix": options["key_prefix"]}
    config = ClientConfig(
        client_id=options["client_id"],
        client_secret=f"env:{options['secret_env']}",
        token_endpoint=options["token_endpoint"],
        scopes=("api.read",),
        cache=CachePolicy(
            backend=options["backend"],
            renew_fraction=0.8,
            renew_min_ahead=0.0,
            expiry_leeway=0.0,
            settings=settings if options["backend"] == "redis" else {},
        ),
    )
    engine = TokenEngine(config, plugins=PluginHost())
    stop = threading.Event()
    warm = threading.Barrier(options["threads"], action=lambda: print("warm", flush=True))

    def call() -> None:
        engine.get_token()
        warm.wait()
        while not stop.wait(options["interval"]):
            engine.get_token()

    print("ready", flush=True)
    sys.stdin.readline()  # go
    workers = [threading.Thread(target=call) for _ in range(options["threads"])]
    for worker in workers:
        worker.start()
    sys.stdin.readline()  # stop
    stop.set()
    for worker in workers:
        worker.join()
    print("done", flush=True)


if __name__ == "__main__":
    main()
