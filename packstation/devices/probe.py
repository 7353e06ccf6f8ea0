"""Finding out what is on a port (for `packstation devices probe --auto`).

Each protocol is tried with its own serial defaults and its read-only probe;
a streaming scale is recognised by listening. Nothing here changes the scale:
no zero, no tare.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from packstation.devices.base import SerialSettings
from packstation.devices.scales import PROBE_ORDER, PROTOCOLS, ScaleProtocol
from packstation.devices.serial_link import close_quietly, open_serial


def probe_protocol(
    url: str,
    protocol: ScaleProtocol,
    settings: SerialSettings | None = None,
    *,
    listen_s: float = 1.0,
    reply_s: float = 0.6,
) -> bool:
    """Does the device on `url` answer like `protocol`? Raises PortError if it cannot open."""
    port = open_serial(url, settings or protocol.settings, timeout=0.05)
    try:
        if protocol.probe is not None:
            port.write(protocol.probe)
        deadline = time.monotonic() + (reply_s if protocol.probe is not None else listen_s)
        parser = protocol.new_parser()
        parser.quiet = True
        while time.monotonic() < deadline:
            data: bytes = port.read(256)
            if data:
                parser.feed(data)
                if parser.replies:
                    return True
        return False
    finally:
        close_quietly(port)


def detect_scale(
    url: str,
    names: Iterable[str] = PROBE_ORDER,
    settings: SerialSettings | None = None,
    *,
    listen_s: float = 1.0,
    reply_s: float = 0.6,
) -> ScaleProtocol | None:
    """The first protocol in `names` the device answers, or None."""
    for name in names:
        protocol = PROTOCOLS[name]
        if probe_protocol(url, protocol, settings, listen_s=listen_s, reply_s=reply_s):
            return protocol
    return None
