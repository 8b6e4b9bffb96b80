"""Shared pytest set-up: tests must never reach the network."""
import ipaddress, socket
import pytest

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _is_local(address) -> bool:
    if not isinstance(address, tuple): return True  # a Unix socket path
    host = address[0]
    if host in ('localhost', ''): return True
    try: return ipaddress.ip_address(host).is_loopback
    except ValueError: return False  # a host name: it would need a DNS lookup, so it is not local


def _guarded(orig):
    def connect(self, address):
        if not _is_local(address): raise ConnectionRefusedError(f'tests may not use the network (tried {address!r})')
        return orig(self, address)
    return connect


@pytest.fixture(autouse=True, scope='session')
def no_network():
    "Refuse every socket connection that leaves this machine, for the whole test session"
    socket.socket.connect, socket.socket.connect_ex = _guarded(_connect), _guarded(_connect_ex)
    yield
    socket.socket.connect, socket.socket.connect_ex = _connect, _connect_ex
