"""Buyer messages of marketplace orders, through the marketplace's buyer chat.

Ozon and Wildberries hide the buyer's e-mail and phone: a defect or delay notice of
their order can only reach the buyer in the marketplace's chat. The outbox stays the
same (queued once per fact by its idempotency key, retried with backoff); only the
last hop differs. Orders from files keep e-mail and webhook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from packstation.channels.base import ChannelError, Marketplace
from packstation.notify.base import DeliveryError, Outgoing
from packstation.notify.templates import Rendered

#: order id -> (channel name, marketplace id), None for an order not from a channel.
ChannelOf = Callable[[str], tuple[str, str] | None]


class MarketplaceChatTransport:
    """The buyer chat of the order's `[[channels]]` account.

    ``exclusive``: a notice of a marketplace order goes here alone, never also to the
    webhook or the file. Their receiver (the seller's own shop service) cannot reach a
    buyer the marketplace hides, and a copy it forwarded would tell the buyer twice;
    the marketplaces' rules keep seller-buyer contact in their chat anyway.
    """

    name = "marketplace"
    exclusive = True

    def __init__(self, marketplaces: Mapping[str, Marketplace], channel_of: ChannelOf) -> None:
        self.marketplaces = dict(marketplaces)
        self.channel_of = channel_of

    def accepts(self, message: Outgoing) -> bool:
        return (
            message.channel == "marketplace"
            and message.order_id is not None
            and self.channel_of(message.order_id) is not None
        )

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        assert message.order_id is not None
        found = self.channel_of(message.order_id)
        if found is None:
            raise DeliveryError(f"{message.order_id} is not a marketplace order", permanent=True)
        channel, ref = found
        marketplace = self.marketplaces.get(channel)
        if marketplace is None:
            raise DeliveryError(
                f"{message.order_id}: channel {channel} is not in [[channels]] any more",
                permanent=True,
            )
        text = f"{rendered.subject}\n\n{rendered.text}".strip()
        try:
            marketplace.message_buyer(ref, text)
        except ChannelError as exc:
            # 4xx other than 429 (a closed chat, a posting it refuses): retrying cannot help.
            permanent = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
            raise DeliveryError(str(exc), permanent=permanent and not exc.retryable) from exc

    def close(self) -> None:
        for marketplace in self.marketplaces.values():
            marketplace.close()
