"""What the runner and the store share with the marketplace agent, without loading it.

The agent (`marketplace_agent.py`) and the channel clients it drives are loaded only
at a station with `[[channels]]`, or when a station restarts on a marketplace order
(`_hand_over`): a station that packs no marketplace orders does not start with them.
"""

from __future__ import annotations

from msgspec import Struct, field

from packstation.i18n import Msg

#: Seconds between asks for a label that is not ready (then every last one).
LABEL_WAITS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0)


class AgentNote(Struct, frozen=True):
    """What the agent tells the packer (the label is on its way, the marketplace refused):
    shown by the runner's thread, in turn with the scans."""

    message: Msg
    ok: bool = False


class OrderFacts(Struct, frozen=True):
    """What the job needs from the order's row: its marketplace id and product ids."""

    ref: str
    products: dict[str, str]
    required: dict[str, tuple[str, ...]]
    names: dict[str, str]
    warehouse_id: str = ""
    #: What the marketplace said of the posting that its calls need back (WB cargo type).
    extra: dict[str, str] = field(default_factory=dict)
