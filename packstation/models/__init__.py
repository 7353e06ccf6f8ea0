"""Storage: SQLAlchemy models, migrations and the repositories that write them."""

from packstation.models.base import Base
from packstation.models.channels import ChannelCall, ChannelProduct
from packstation.models.imported_files import ImportedFile
from packstation.models.manifests import Manifest
from packstation.models.orders import Barcode, Order, OrderLine
from packstation.models.outbox import Notification
from packstation.models.packing import (
    Defect,
    Event,
    MarkingCode,
    PackedUnit,
    PackSession,
    Parcel,
)
from packstation.models.people import Operator, Role, Station
from packstation.models.returns import Refund, Return, ReturnLine

__all__ = [
    "Barcode",
    "Base",
    "ChannelCall",
    "ChannelProduct",
    "Defect",
    "Event",
    "ImportedFile",
    "Manifest",
    "MarkingCode",
    "Notification",
    "Operator",
    "Order",
    "OrderLine",
    "PackedUnit",
    "PackSession",
    "Parcel",
    "Refund",
    "Return",
    "ReturnLine",
    "Role",
    "Station",
]
