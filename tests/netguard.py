"""A socket guard for tests: records (and refuses) every attempt to reach a network.

Python audit hooks (PEP 578) see every socket the interpreter opens, connects, binds or sends
from, every DNS lookup and every urllib / http.client request, whatever library makes it. An
audit hook cannot be removed, so :func:`install` adds one hook per process that does nothing
unless a :class:`NetworkGuard` is active. Local AF_UNIX sockets (D-Bus, X11, multiprocessing)
are allowed and listed separately. What a C library does through its own socket calls, without
Python, is not seen (none of this project's dependencies is known to).
"""

from __future__ import annotations

import socket
import sys

_ACTIVE: list["NetworkGuard"] = []
_INSTALLED = False

#: audit events that mean "talk to a network"; socket.* events carry the socket first
_NAME_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
                 "socket.getnameinfo"}
_REQUESTS = {"urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "poplib.connect",
             "nntplib.connect", "imaplib.open", "telnetlib.Telnet.open", "webbrowser.open"}
_SOCKET_USE = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_LOCAL = {getattr(socket, "AF_UNIX", None), getattr(socket, "AF_NETLINK", None)} - {None}


class NetworkBlocked(RuntimeError):
    """Raised where code tried to use the network while a guard was active."""


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _loopback_host(args: tuple) -> bool:
    """Whether an audit event's target is this machine (127.0.0.1, ::1, localhost)."""
    from urllib.parse import urlsplit

    for a in args:
        if isinstance(a, tuple) and a and isinstance(a[0], str):
            return a[0] in _LOOPBACK
        if isinstance(a, str):
            host = urlsplit(a).hostname if "://" in a else a
            return host in _LOOPBACK
    return False


class NetworkGuard:
    """``allow_loopback``: also allow sockets to this machine only (a test's local HTTP server);
    every name lookup, connection or request to any other host is still refused."""

    def __init__(self, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback
        self.attempts: list[str] = []  # refused: would reach a network
        self.local: list[str] = []  # allowed: AF_UNIX etc. (and loopback when allowed)

    def __enter__(self) -> "NetworkGuard":
        install()
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.remove(self)

    def check(self, event: str, args: tuple) -> None:
        if self.allow_loopback and self._loopback(event, args):
            self.local.append(f"{event} (loopback){_short(args)}")
            return
        if event in _NAME_LOOKUPS or event in _REQUESTS:
            self._refuse(f"{event}{_short(args)}")
        elif event == "socket.__new__":
            family = args[1] if len(args) > 1 else None
            if family not in _LOCAL and family != -1:
                self._refuse(f"socket created, family {family!r}")
            else:
                self.local.append(f"socket created, family {family!r}")
        elif event in _SOCKET_USE:
            sock = args[0]
            family = getattr(sock, "family", None)
            if family in _LOCAL:
                self.local.append(f"{event} {args[1:]!r}")
            else:
                self._refuse(f"{event}{_short(args[1:])}")

    @staticmethod
    def _loopback(event: str, args: tuple) -> bool:
        if event == "socket.__new__":  # an address is checked when it is used (accept() makes sockets too)
            return True
        if event in _SOCKET_USE:
            return _loopback_host(args[1:])
        if event in _NAME_LOOKUPS or event in _REQUESTS:
            return _loopback_host(args[1:] if event == "http.client.connect" else args)
        return False

    def _refuse(self, what: str) -> None:
        self.attempts.append(what)
        raise NetworkBlocked(f"network access while the no-network guard is active: {what}")


def _short(args) -> str:
    text = repr(tuple(args))
    return text if len(text) < 200 else text[:197] + "..."


def _hook(event: str, args: tuple) -> None:
    if _ACTIVE and (event.startswith(("socket.", "urllib.", "http.")) or event in _REQUESTS):
        _ACTIVE[-1].check(event, args)


def install() -> None:
    global _INSTALLED
    if not _INSTALLED:
        sys.addaudithook(_hook)
        _INSTALLED = True


#: For a fresh interpreter (``python -c``): the same guard, printing what it saw as JSON at exit.
SUBPROCESS_PRELUDE = """
import atexit, json, sys
sys.path.insert(0, {tests!r})
import netguard
_g = netguard.NetworkGuard().__enter__()
atexit.register(lambda: print("NETGUARD " + json.dumps({{"attempts": _g.attempts, "local": _g.local}})))
"""
