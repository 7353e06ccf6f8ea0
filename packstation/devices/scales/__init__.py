"""Scale protocols by config name. Each module holds a pure parser and its command bytes."""

from __future__ import annotations

from packstation.devices.scales import continuous, mt_sics, nci, toledo
from packstation.devices.scales.common import ScaleParser, ScaleProtocol

PROTOCOLS: dict[str, ScaleProtocol] = {
    p.name: p
    for p in (
        mt_sics.PROTOCOL,
        toledo.PROTOCOL_8217,
        toledo.PROTOCOL_8213,
        nci.PROTOCOL,
        continuous.PROTOCOL,
    )
}
# Order for `devices probe --auto`: listen first (a streaming scale needs no
# request), then the polled protocols. 8213 answers exactly like 8217.
PROBE_ORDER = ("continuous", "toledo-8217", "mt-sics", "nci")


def get_protocol(name: str) -> ScaleProtocol:
    try:
        return PROTOCOLS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown scale protocol {name!r}: use one of {', '.join(PROTOCOLS)}"
        ) from None


__all__ = ["PROTOCOLS", "PROBE_ORDER", "ScaleParser", "ScaleProtocol", "get_protocol"]
