"""Schemathesis hooks for scripts/api-fuzz.sh (loaded via SCHEMATHESIS_HOOKS).

Every response Tenure sends carries an `x-request-id`. `cargo lambda watch`,
which stands in for API Gateway locally, answers some requests itself,
without invoking any function: a body that is not valid UTF-8 under a text
or JSON content type makes it answer `500` with a body of its own
(`{"type":"https://httpstatuses.com/500",...}`). Such a response is not the
API's, so its failures are dropped here, and each is listed at the end so
the run shows exactly what was set aside. Nothing else is filtered: any
failure on a response with an `x-request-id` fails the run.
"""

import atexit
import sys

import schemathesis

_set_aside = []


def _from_emulator(response) -> bool:
    return (
        "x-request-id" not in response.headers
        and response.status_code == 500
        and b"httpstatuses.com/500" in response.content
    )


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if response is not None and _from_emulator(response):
        _set_aside.append(f"{case.method} {case.path}: {failure.title}")
        return False
    return True


@atexit.register
def _report():
    if _set_aside:
        print(
            f"api-fuzz: set aside {len(_set_aside)} failure(s) on responses of the local emulator "
            "(no x-request-id: cargo lambda watch answered a non-UTF-8 body itself, no function ran):",
            file=sys.stderr,
        )
        for line in sorted(set(_set_aside)):
            print(f"    {line}", file=sys.stderr)
