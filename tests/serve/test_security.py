"""Which Host values the server answers to, and the policy a stored report page is sent with."""

from __future__ import annotations

import socket

from analyzer.serve.security import Csrf, allowed_hosts, report_csp


def test_loopback_binding_answers_only_loopback_names_with_the_port() -> None:
    hosts = allowed_hosts("127.0.0.1", 8080)
    assert hosts == {"localhost:8080", "127.0.0.1:8080", "[::1]:8080"}


def test_a_named_or_ipv6_binding_adds_that_name() -> None:
    assert "snapdiag.corp.example:9000" in allowed_hosts("snapdiag.corp.example", 9000)
    assert "[fd00::5]:9000" in allowed_hosts("fd00::5", 9000)


def test_a_wildcard_binding_adds_the_machine_names_not_the_wildcard() -> None:
    hosts = allowed_hosts("0.0.0.0", 8080)
    assert f"{socket.gethostname().lower()}:8080" in hosts
    assert "0.0.0.0:8080" not in hosts
    assert "[::]:8080" not in allowed_hosts("::", 8080)


def test_a_wildcard_binding_answers_the_machine_addresses_and_prints_a_name_to_open() -> None:
    from analyzer.commands.serve import _url
    from analyzer.serve.security import machine_addresses

    addresses = machine_addresses()
    hosts = allowed_hosts("0.0.0.0", 8080)
    for address in addresses:
        assert (f"[{address}]:8080" if ":" in address else f"{address}:8080") in hosts
    assert "0.0.0.0" not in _url("0.0.0.0", 8080) and _url("0.0.0.0", 8080).endswith(":8080/")
    assert _url("127.0.0.1", 8080) == "http://127.0.0.1:8080/"


def test_port_80_also_allows_the_portless_form_browsers_send() -> None:
    assert {"localhost", "localhost:80"} <= allowed_hosts("127.0.0.1", 80)
    assert "localhost" not in allowed_hosts("127.0.0.1", 8080)


def test_report_policy_keeps_the_report_meta_policy_and_adds_framing_and_sandbox() -> None:
    meta = "default-src 'none'; script-src 'sha256-abc='; style-src 'sha256-def='"
    header = report_csp(meta)
    assert header.startswith(meta + ";")
    assert "frame-ancestors 'none'" in header and "sandbox allow-scripts" in header
    assert "allow-same-origin" not in header  # the page gets an opaque origin: it cannot call the server


def test_csrf_tokens_are_bound_to_session_and_secret() -> None:
    one, other = Csrf(), Csrf()
    session = Csrf.new_session()
    assert one.valid(session, one.token(session))
    assert not one.valid(session, other.token(session))  # another server (or a restart)
    assert not one.valid(Csrf.new_session(), one.token(session))
    assert not one.valid(None, one.token(session)) and not one.valid(session, None)
