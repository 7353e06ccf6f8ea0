"""What a station app is made of: `StationSetup`, built by the CLI (`run`, `demo`,
`run --training`) or a test, kept apart so the app's parts can name it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from packstation.clock import Clock, utcnow
from packstation.config import LeaseTimings, PinLimits
from packstation.domain.rules import PackRules
from packstation.sounds.settings import SoundSettings

if TYPE_CHECKING:
    from packstation.evidence.station import StationEvidence
    from packstation.models.db import Database

__all__ = ["StationSetup"]


@dataclass
class StationSetup:
    """Everything the app needs, built by the CLI (`run`, `demo`) or a test."""

    #: An open database, or its URL (then the runner opens it off the UI thread).
    db: Database | str
    station_id: str
    rules: PackRules
    locale: str = "ru"
    station_name: str = ""
    #: Started by the app, stopped on exit: objects with start()/stop().
    devices: dict[str, Any] = field(default_factory=dict)
    printer: Any = None
    #: Invoices and CN23s are printed here when an order is claimed ([documents] printer).
    documents_printer: Any = None
    label_format: str = "zpl"
    #: Demo only: simulators the demo keys drive ("scanner", "scale").
    simulators: dict[str, Any] = field(default_factory=dict)
    #: The station's clock (tests and snapshots pin it).
    clock: Clock = utcnow
    #: Kiosk: no key leaves the app; exit needs a lead's badge and PIN (F12).
    kiosk: bool = False
    #: Sender block printed on labels ([shipper] in the config).
    ship_from: tuple[str, ...] = ()
    #: Lease and auto-release times ([floor] in the config); None: the defaults.
    leases: LeaseTimings | None = None
    #: Wrong PINs before a lead badge locks, and for how long ([security]).
    pin_limits: PinLimits = field(default_factory=PinLimits)
    #: `[sounds]`: a sound per class of result (None: one terminal bell per red, as before).
    sounds: SoundSettings | None = None
    #: `[station] big`: the result in big letters, readable from two metres.
    big: bool = False
    #: `[[channels]]`: the marketplace clients, made in the station's worker thread (HTTP
    #: loads only where marketplace orders are packed, never before the first screen).
    marketplaces: Callable[[Callable[[Any], None]], dict[str, Any]] | None = None
    #: `[printer] dpi`: a marketplace's PDF label is drawn at it for a raw printer.
    printer_dpi: int = 203
    #: The camera ([camera] configured): its watch is `devices["camera"]`.
    evidence: StationEvidence | None = None
    #: Where the training scores are (`training/store.scores_url`), worked out when the F1
    #: queue opens (not at start-up); None: the environment, else the default store.
    training_scores: Callable[[], str] | None = None
