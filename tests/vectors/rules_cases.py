"""Vectors for the delivery rules (DESIGN.md section 5): retry schedule, Retry-After, health, limits, endpoints.

Expected values are computed here from the written rules (integer arithmetic for the jitter, a day-count for HTTP
dates) or stated by hand for the URL rules; nothing comes from the Rust code.
"""

from __future__ import annotations

import calendar
import math
from typing import Any

Case = dict[str, Any]

DEFAULT_SCHEDULE = {"baseDelayMs": 30_000, "factor": 2, "maxDelayMs": 7_200_000, "maxRetries": 10,
                    "jitterPercent": 20, "minRetryAfterMs": 1_000}
NOW = 1795341600
DAY = 86_400
WINDOW = 3 * DAY


def nominal(schedule: dict[str, int], failures: int) -> int | None:
    if failures == 0 or failures > schedule["maxRetries"]:
        return None
    growth: int = schedule["factor"] ** (failures - 1)
    return min(schedule["baseDelayMs"] * growth, schedule["maxDelayMs"])


def jittered(schedule: dict[str, int], failures: int, random: float) -> int | None:
    base = nominal(schedule, failures)
    if base is None:
        return None
    unit = 0 if random <= 0 else (2**32 - 1 if random >= 1 else math.floor(random * 2**32))
    spread = base * min(schedule["jitterPercent"], 100) // 100
    return base + (spread * (2 * unit - 2**32)) // 2**32  # Python's // floors, like div_euclid for a positive divisor


def retry_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for failures in range(0, 12):
        for random in (0.0, 0.5, 0.999999999):
            expected = jittered(DEFAULT_SCHEDULE, failures, random)
            add({"id": f"retry-default-{failures}-r{random}", "comment": f"default schedule after {failures} "
                 f"failure(s), random {random}", "operation": "nextDelay", "schedule": None, "failures": failures,
                 "random": random, "expectedMs": expected})
    for random in (0.123456789, 0.75, 0.3141592653589793):
        add({"id": f"retry-default-3-r{random}", "comment": "jitter is exact integer arithmetic",
             "operation": "nextDelay", "schedule": None, "failures": 3, "random": random,
             "expectedMs": jittered(DEFAULT_SCHEDULE, 3, random)})
    for random in (-0.5, 1.5):
        add({"id": f"retry-random-clamped-{random}", "comment": "random outside [0, 1) is clamped",
             "operation": "nextDelay", "schedule": None, "failures": 1, "random": random,
             "expectedMs": jittered(DEFAULT_SCHEDULE, 1, random)})
    custom = {"baseDelayMs": 1_000, "factor": 3, "maxDelayMs": 60_000, "maxRetries": 5, "jitterPercent": 0,
              "minRetryAfterMs": 500}
    for failures in range(1, 7):
        add({"id": f"retry-custom-{failures}", "comment": "factor 3, cap 60 s, five retries, no jitter",
             "operation": "nextDelay", "schedule": custom, "failures": failures, "random": 0.9,
             "expectedMs": jittered(custom, failures, 0.9)})
    huge = dict(DEFAULT_SCHEDULE, maxRetries=1000)
    add({"id": "retry-growth-saturates", "comment": "factor^999 overflows: the cap still applies",
         "operation": "nextDelay", "schedule": huge, "failures": 999, "random": 0.5, "expectedMs": 7_200_000})
    # Option sets may be partial: absent fields take the defaults; numbers follow the JS rule (fractions dropped).
    partial = {"factor": 3}
    add({"id": "retry-partial-schedule", "comment": "only factor given: the other fields are the defaults",
         "operation": "nextDelay", "schedule": partial, "failures": 2, "random": 0.5,
         "expectedMs": jittered(dict(DEFAULT_SCHEDULE, **partial), 2, 0.5)})
    add({"id": "retry-fraction-dropped", "comment": "maxRetries 2.9 reads as 2: a third failure gives up",
         "operation": "nextDelay", "schedule": {"maxRetries": 2.9}, "failures": 3, "random": 0.5, "expectedMs": None})
    for name, given in (("text", {"factor": "3"}), ("negative", {"baseDelayMs": -1}), ("boolean", {"maxRetries": True})):
        add({"id": f"retry-invalid-{name}-field", "comment": f"a field that is not a whole number: {given}",
             "operation": "nextDelay", "schedule": given, "failures": 1, "random": 0.5, "result": "invalid",
             "error": "invalid_option"})
    for name, schedule, field in (("factor-zero", dict(DEFAULT_SCHEDULE, factor=0), "factor"),
                                  ("jitter-over-100", dict(DEFAULT_SCHEDULE, jitterPercent=101), "jitterPercent"),
                                  ("cap-below-base", dict(DEFAULT_SCHEDULE, maxDelayMs=1_000), "maxDelayMs"),
                                  ("retry-after-floor-above-cap", dict(DEFAULT_SCHEDULE, minRetryAfterMs=7_200_001),
                                   "minRetryAfterMs")):
        add({"id": f"retry-invalid-{name}", "comment": f"{field} out of range", "operation": "nextDelay",
             "schedule": schedule, "failures": 1, "random": 0.5, "result": "invalid", "error": "invalid_option"})

    def http_date(epoch: int) -> str:
        import email.utils
        return email.utils.formatdate(epoch, usegmt=True)

    retry_after = [
        ("seconds", "120", 120_000), ("zero-clamped-up", "0", 1_000), ("huge-clamped-down", "999999", 7_200_000),
        ("spaces", "  30 ", 30_000), ("absent", None, None), ("garbage", "soon", None), ("negative", "-5", None),
        ("fraction", "1.5", None), ("date-in-90s", http_date(NOW + 90), 90_000),
        ("date-in-past", http_date(NOW - 600), 1_000), ("date-far-future", http_date(NOW + 30 * DAY), 7_200_000),
        ("date-rfc850-refused", "Sunday, 06-Nov-94 08:49:37 GMT", None),
        ("date-asctime-refused", "Sun Nov  6 08:49:37 1994", None),
        ("date-not-gmt", "Sun, 22 Nov 2026 10:01:00 PST", None),
        ("date-feb-29-leap", "Tue, 29 Feb 2028 00:00:00 GMT",
         min(max((calendar.timegm((2028, 2, 29, 0, 0, 0)) - NOW) * 1000, 1_000), 7_200_000)),
        ("date-feb-29-not-leap", "Sun, 29 Feb 2027 00:00:00 GMT", None),
    ]
    for name, header, expected in retry_after:
        add({"id": f"retry-after-{name}", "comment": f"Retry-After: {header!r}", "operation": "retryAfter",
             "schedule": None, "header": header, "now": NOW, "expectedMs": expected})
    for case in cases:
        case.setdefault("result", "valid")
    return cases


def health_cases() -> list[Case]:
    cases: list[Case] = []

    def add(case_id: str, comment: str, steps: list[dict[str, Any]], window: int = WINDOW) -> None:
        status, since = "HEALTHY", None
        steps = [dict(step) for step in steps]  # the same step object may stand in several places
        for step in steps:  # the rules, restated: a streak starts at the first failure; FAILED after `window`
            if step["event"] == "success":
                if status != "FAILED":
                    status, since = "HEALTHY", None
            elif step["event"] == "failure":
                since = step["at"] if since is None else min(since, step["at"])
                if status == "FAILED" or step["at"] - since >= window:
                    status = "FAILED"
            elif step["event"] == "reactivate":
                status, since = "HEALTHY", None
            step["expected"] = {"status": status, "failingSince": since}
        cases.append({"id": case_id, "comment": comment, "operation": "health", "windowSeconds": window,
                      "steps": steps, "result": "valid"})

    def f(at: int) -> dict[str, Any]:
        return {"event": "failure", "at": at}

    ok = {"event": "success"}
    again = {"event": "reactivate"}
    add("health-one-failure", "one failure starts a streak", [f(NOW)])
    add("health-success-clears", "a success ends the streak", [f(NOW), ok])
    add("health-just-under-3-days", "failing for 3 days minus a second is still HEALTHY", [f(NOW), f(NOW + WINDOW - 1)])
    add("health-exactly-3-days", "failing for exactly 3 days is FAILED", [f(NOW), f(NOW + WINDOW)])
    add("health-streak-reset-by-success", "a success in between restarts the 3 days",
        [f(NOW), f(NOW + 2 * DAY), ok, f(NOW + 2 * DAY + 60), f(NOW + 4 * DAY)])
    add("health-streak-resumed", "after the reset, 3 more days of failure fail it",
        [f(NOW), ok, f(NOW + DAY), f(NOW + 4 * DAY)])
    add("health-failed-stays-failed", "a FAILED endpoint stays FAILED, even after a late success",
        [f(NOW), f(NOW + WINDOW), ok, f(NOW + WINDOW + 5)])
    add("health-reactivate", "re-activation makes it HEALTHY with a fresh streak",
        [f(NOW), f(NOW + WINDOW), again, f(NOW + WINDOW + 10)])
    add("health-reactivate-then-fail-again", "re-activated and failing for 3 more days: FAILED again",
        [f(NOW), f(NOW + WINDOW), again, f(NOW + WINDOW + 10), f(NOW + 2 * WINDOW + 10)])
    add("health-out-of-order-failures", "failures reported out of order keep the earliest start",
        [f(NOW + DAY), f(NOW), f(NOW + WINDOW)])
    add("health-custom-window", "a one-hour window", [f(NOW), f(NOW + 3599), f(NOW + 3600)], window=3600)
    add("health-zero-window", "window 0: the first failure fails it", [f(NOW)], window=0)
    add("health-many-failures-same-second", "many failures at once do not fail it", [f(NOW)] * 5)
    add("health-success-first", "a success on a healthy endpoint changes nothing", [ok, ok])
    add("health-reactivate-healthy", "re-activating a healthy endpoint clears its streak", [f(NOW), again])
    return cases


def limit_cases() -> list[Case]:
    cases: list[Case] = []
    for rate, tat, now, expected in ((4, 0, 1_000, {"nextTatUs": 251_000}), (4, 251_000, 1_000, {"waitUs": 250_000}),
                                     (4, 251_000, 251_000, {"nextTatUs": 501_000}), (0, 10**12, 5, {"nextTatUs": 5}),
                                     (1, 0, 0, {"nextTatUs": 1_000_000}), (3, 0, 0, {"nextTatUs": 333_333}),
                                     (1_000_000, 7, 7, {"nextTatUs": 8}), (2_000_000, 7, 7, {"nextTatUs": 7})):
        cases.append({"id": f"rate-{rate}-tat{tat}-now{now}", "comment": f"{rate} requests/s (0 = unlimited)",
                      "operation": "rateLimit", "rate": rate, "tatUs": tat, "nowUs": now, "result": "valid",
                      "expected": expected})
    for burst, in_flight, allowed in ((0, 10_000, True), (1, 0, True), (1, 1, False), (5, 4, True), (5, 5, False)):
        cases.append({"id": f"burst-{burst}-inflight{in_flight}", "comment": f"burst {burst} (0 = unlimited)",
                      "operation": "burstLimit", "burst": burst, "inFlight": in_flight, "result": "valid",
                      "expected": {"allowed": allowed}})
    return cases


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def endpoint_cases() -> list[Case]:
    cases: list[Case] = []

    def add(case_id: str, comment: str, url: str, *, error: str | None = None, field: str | None = None,
            normalized: str | None = None, host: str | None = None, loopback: bool = False,
            topics: list[str] | None = None, method: str = "POST", rate: int | str = 0, burst: int = 0,
            scheme: str = "standard", secrets: list[str] | None = None,
            expected_topics: list[str] | None = None) -> None:
        case: Case = {"id": case_id, "comment": comment, "operation": "endpoint", "url": url,
                      "topics": topics if topics is not None else ["order.created"], "method": method,
                      "rateLimit": rate, "burstLimit": burst, "scheme": scheme,
                      "secrets": secrets if secrets is not None else [SECRET], "allowInsecureLoopback": loopback}
        if error:
            case.update(result="invalid", error=error)
            if field:
                case["field"] = field
        else:
            case.update(result="valid", expected={
                "url": normalized or url, "host": host, "topics": expected_topics or case["topics"],
                "method": method.upper(), "rateLimit": rate, "burstLimit": burst})
        cases.append(case)

    # Accepted targets.
    add("url-public-https", "a public https URL", "https://hooks.example.com/dropship", host="hooks.example.com")
    add("url-port-and-query", "port, path and query are kept", "https://api.example.com:8443/wh?tenant=42",
        host="api.example.com")
    add("url-case-normalized", "scheme and host are lower-cased, the path is not", "HTTPS://Hooks.Example.COM/In",
        normalized="https://hooks.example.com/In", host="hooks.example.com")
    add("url-public-ipv4", "a public IPv4 literal", "https://93.184.216.34/hook", host="93.184.216.34")
    add("url-public-ipv6", "a public IPv6 literal", "https://[2606:4700::1111]/hook", host="2606:4700::1111")
    add("url-trailing-dot-name", "a fully qualified name with its trailing dot", "https://example.com./h",
        host="example.com.")
    add("url-no-path", "no path at all", "https://example.com", host="example.com")
    add("url-mapped-public", "a v4-mapped public address", "https://[::ffff:93.184.216.34]/",
        host="::ffff:93.184.216.34")
    # An IPv4 address in any spelling is stored the way every URL parser (WHATWG) reads it back.
    add("url-ipv4-hex-public", "a hex part is the address it spells", "https://0x5d.184.216.34/hook",
        normalized="https://93.184.216.34/hook", host="93.184.216.34")
    add("url-ipv4-trailing-dot", "an address with a trailing dot is the address", "https://93.184.216.34./h",
        normalized="https://93.184.216.34/h", host="93.184.216.34")
    add("url-ipv4-bad-octal", "a numeric last label makes the host an address: `09` is no octal part, so it is "
        "refused (WHATWG parsers fail it; it is no name either)", "https://1.2.3.09/", error="invalid_endpoint",
        field="url")
    add("url-underscore-label", "underscores occur in real DNS names", "https://my_hooks.example.com/",
        host="my_hooks.example.com")
    # Scheme and credentials.
    add("url-http", "plain http is refused", "http://hooks.example.com/", error="invalid_endpoint", field="url")
    add("url-ftp", "other schemes are refused", "ftp://example.com/", error="invalid_endpoint", field="url")
    add("url-no-scheme", "a bare host", "hooks.example.com/path", error="invalid_endpoint", field="url")
    add("url-credentials", "user:password@ is refused", "https://user:secret@example.com/",
        error="invalid_endpoint", field="url")
    add("url-user-only", "user@ is refused too", "https://admin@example.com/", error="invalid_endpoint", field="url")
    add("url-empty", "an empty URL", "", error="invalid_endpoint", field="url")
    add("url-no-host", "https:// alone", "https:///path", error="invalid_endpoint", field="url")
    add("url-space", "a space in the URL", "https://example.com/a b", error="invalid_endpoint", field="url")
    add("url-unicode-host", "non-ASCII host (use punycode)", "https://bücher.example/", error="invalid_endpoint",
        field="url")
    add("url-too-long", "over 2048 bytes", "https://example.com/" + "a" * 2100, error="invalid_endpoint", field="url")
    add("url-bad-port", "port 0", "https://example.com:0/", error="invalid_endpoint", field="url")
    add("url-port-too-big", "port 65536", "https://example.com:65536/", error="invalid_endpoint", field="url")
    add("url-port-not-number", "port letters", "https://example.com:https/", error="invalid_endpoint", field="url")
    # Loopback, in every spelling.
    for name, url in (("ipv4", "https://127.0.0.1/"), ("ipv4-other", "https://127.8.9.10/"),
                      ("short", "https://127.1/"), ("hex", "https://0x7f.0.0.1/"), ("octal", "https://0177.0.0.1/"),
                      ("decimal", "https://2130706433/"), ("hex-whole", "https://0x7f000001/"),
                      ("trailing-dot", "https://127.0.0.1./"), ("ipv6", "https://[::1]/"),
                      ("ipv6-long", "https://[0:0:0:0:0:0:0:1]/"), ("mapped", "https://[::ffff:127.0.0.1]/"),
                      ("mapped-hex", "https://[::ffff:7f00:1]/"), ("localhost", "https://localhost/"),
                      ("localhost-dot", "https://localhost./"), ("localhost-upper", "https://LOCALHOST/"),
                      ("sub-localhost", "https://api.localhost/"), ("with-port", "https://127.0.0.1:8080/x")):
        add(f"url-loopback-{name}", f"loopback spelled {url}", url, error="invalid_endpoint", field="url")
    # Private, link-local, multicast, unspecified, reserved.
    for name, url in (("10", "https://10.1.2.3/"), ("172-16", "https://172.16.0.9/"), ("172-31", "https://172.31.255.1/"),
                      ("192-168", "https://192.168.1.1/"), ("cgnat", "https://100.64.0.1/"),
                      ("link-local", "https://169.254.169.254/latest/meta-data"),
                      ("link-local-decimal", "https://2852039166/"), ("multicast", "https://224.0.0.1/"),
                      ("broadcast", "https://255.255.255.255/"), ("unspecified", "https://0.0.0.0/"),
                      ("zero-short", "https://0/"), ("this-network", "https://0.1.2.3/"),
                      ("reserved-240", "https://240.0.0.1/"), ("documentation", "https://192.0.2.10/"),
                      ("benchmark", "https://198.18.0.1/"), ("ipv6-ula", "https://[fd00::1]/"),
                      ("ipv6-link-local", "https://[fe80::1]/"), ("ipv6-multicast", "https://[ff02::1]/"),
                      ("ipv6-unspecified", "https://[::]/"), ("ipv6-mapped-private", "https://[::ffff:10.0.0.1]/"),
                      ("ipv6-mapped-metadata", "https://[::ffff:169.254.169.254]/"),
                      ("ipv6-nat64-private", "https://[64:ff9b::192.168.0.1]/"),
                      ("ipv6-6to4-private", "https://[2002:c0a8:101::1]/"),
                      ("ipv6-documentation", "https://[2001:db8::1]/"),
                      ("ipv6-documentation-3fff", "https://[3fff::1]/"),
                      ("ipv6-benchmarking", "https://[2001:2::1]/"), ("ipv6-orchid", "https://[2001:10::1]/"),
                      ("ipv6-teredo", "https://[2001::1]/"), ("ipv6-srv6-sid", "https://[5f00::1]/"),
                      ("ipv6-v4-compatible", "https://[::93.184.216.34]/"),
                      ("dot-local", "https://printer.local/"),
                      ("dot-internal", "https://metadata.google.internal/"),
                      ("home-arpa", "https://router.home.arpa/"), ("single-label", "https://intranet/"),
                      ("percent-encoded", "https://%31%32%37.0.0.1/"), ("ipv4-part-overflow", "https://1.2.3.256/"),
                      ("ipv4-five-parts", "https://1.2.3.4.5/"), ("ipv6-zone", "https://[fe80::1%25eth0]/")):
        add(f"url-private-{name}", f"not publicly routable: {url}", url, error="invalid_endpoint", field="url")
    # The development flag.
    add("url-loopback-allowed-http", "the loopback flag allows http to 127.0.0.1", "http://127.0.0.1:9000/wh",
        loopback=True, host="127.0.0.1")
    add("url-loopback-allowed-ipv6", "the loopback flag allows [::1]", "http://[::1]:9000/wh", loopback=True,
        host="::1")
    add("url-loopback-allowed-localhost", "the loopback flag allows localhost", "http://localhost:9000/",
        loopback=True, host="localhost")
    add("url-loopback-flag-not-private", "the loopback flag does not open private ranges",
        "http://10.0.0.1/", loopback=True, error="invalid_endpoint", field="url")
    add("url-loopback-flag-not-http-public", "the loopback flag does not allow http to public hosts",
        "http://example.com/", loopback=True, error="invalid_endpoint", field="url")
    # Topics, method, limits, secrets.
    add("topics-canonicalized", "aliases and repeats are folded", "https://example.com/",
        topics=["order.canceled", "order.cancelled", "rma.return_received"], host="example.com",
        expected_topics=["order.cancelled", "rma.returnReceived"])
    add("topics-all", "every topic at once", "https://example.com/", host="example.com",
        topics=["order.created", "product.selected", "connection.created", "proposal.approved", "rma.approved"])
    add("topics-empty", "no topic", "https://example.com/", topics=[], error="invalid_endpoint", field="topics")
    add("topics-unknown", "an unknown topic", "https://example.com/", topics=["order.shipped"],
        error="invalid_endpoint", field="topics")
    for method in ("PUT", "patch"):
        add(f"method-{method.lower()}", f"{method} is allowed", "https://example.com/", method=method,
            host="example.com")
    for method in ("GET", "DELETE", ""):
        add(f"method-refused-{method.lower() or 'empty'}", f"method {method!r} is refused", "https://example.com/",
            method=method, error="invalid_endpoint", field="method")
    add("limits-set", "rate 25/s and burst 5", "https://example.com/", rate=25, burst=5, host="example.com")
    add("limits-negative-rate", "a negative rate", "https://example.com/", rate=-1, error="invalid_endpoint",
        field="rateLimit")
    add("limits-negative-burst", "a negative burst", "https://example.com/", burst=-3, error="invalid_endpoint",
        field="burstLimit")
    add("limits-too-big", "a rate above 32 bits", "https://example.com/", rate=2**32, error="invalid_endpoint",
        field="rateLimit")
    add("limits-not-a-number", "a rate given as text", "https://example.com/", rate="10", error="invalid_endpoint",
        field="rateLimit")
    add("secrets-none", "no secret", "https://example.com/", secrets=[], error="invalid_secret")
    add("secrets-invalid", "a secret that is not whsec_ base64", "https://example.com/", secrets=["whsec_???"],
        error="invalid_secret")
    add("secrets-fabric-string", "any non-empty string is a fabric secret", "https://example.com/",
        scheme="fabric", secrets=["plain-fabric-secret"], host="example.com")
    return cases
