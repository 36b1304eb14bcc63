"""The exception a scenario sees when the WebSocket connection is gone."""

from __future__ import annotations

from typing import Optional

__all__ = ["SimulatorDisconnected"]


class SimulatorDisconnected(ConnectionError):
    """The WebSocket connection is gone: the client closed it, or the scenario closed or dropped it.

    Raised by :meth:`SimConnection.recv`, :meth:`SimConnection.send` and friends. When it escapes a
    scenario it is *not* an error: the connection index is recorded in
    :attr:`RealtimeSimulator.client_disconnects` instead of :attr:`RealtimeSimulator.errors`.
    """

    def __init__(self, message: str, *, code: Optional[int] = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
