"""A fake database context and a station driver for the pure pack workflow."""

from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from packstation.domain.codes import GS, ScannedCode, parse_code
from packstation.domain.evidence import CameraState
from packstation.domain.rules import DefectPolicy, PackRules
from packstation.domain.workflow import (
    Action,
    ClaimRefusal,
    Command,
    Decision,
    Key,
    Operator,
    OrderView,
    Outcome,
    PackState,
    RefusalReason,
    ScaleReading,
    Scan,
    apply,
    line_view,
    step,
)
from packstation.domain.workflow.records import (
    MarkRejected,
    OrderClaimed,
    OrderHeld,
    OrderPacked,
    OrderReleased,
    Record,
    ScanAccepted,
    ScanUndone,
)

DATA = Path(__file__).resolve().parents[3] / "packstation" / "data"
NOW = datetime.fromisoformat("2026-11-26T10:00:00+03:00")

PACKER = Operator(1, "B-0001", "Анна К.", "packer")
LEAD = Operator(2, "B-0900", "Ольга Л.", "lead")
PACKER2 = Operator(3, "B-0002", "Иван С.", "packer")
PINS = {PACKER.id: "1111", LEAD.id: "4321", PACKER2.id: "2222"}


def marking(serial: str, gtin: str = "04605550001116") -> str:
    """A Chestny ZNAK DataMatrix for ORD-1002's sneakers: 01 GTIN 21 serial GS 91 GS 92."""
    return f"01{gtin}21{serial:<13.13}{GS}91EE06{GS}92{'x' * 44}"


def load_orders() -> dict[str, OrderView]:
    return dict(_orders())


@functools.cache
def _orders() -> dict[str, OrderView]:
    raw = json.loads((DATA / "orders-sample.json").read_text(encoding="utf-8"))
    orders: dict[str, OrderView] = {}
    for n, order in enumerate(raw["orders"], start=1):
        lines = tuple(
            line_view(
                n * 100 + i,
                line["sku"],
                line["name"],
                line["qty"],
                Decimal(str(line["unit_weight_g"])),
                barcodes=line.get("barcodes", []),
                fragile=line.get("fragile", False),
                liquid=line.get("liquid", False),
                marked=line.get("marked", False),
            )
            for i, line in enumerate(order["lines"], start=1)
        )
        orders[order["id"]] = OrderView(
            id=order["id"],
            lines=lines,
            tote=order.get("tote") or "",
            ship_by=datetime.fromisoformat(order["ship_by"]),
            country=order["address"]["country"],
            city=order["address"]["city"],
            carrier=order.get("carrier") or "",
            priority=order.get("priority", 0),
        )
    return orders


def load_rules(**overrides: Any) -> PackRules:
    """Rules from the sample station TOML, with whole sections replaced by ``overrides``."""
    return PackRules.from_config({**_sample_toml(), **overrides}) if overrides else _sample_rules()


@functools.cache
def _sample_toml() -> dict[str, Any]:
    return tomllib.loads((DATA / "station-sample.toml").read_text(encoding="utf-8"))


@functools.cache
def _sample_rules() -> PackRules:
    return PackRules.from_config(_sample_toml())


@dataclass
class FakeContext:
    """What the app answers from its database; ``commit`` plays the app's transaction."""

    rules: PackRules = field(default_factory=load_rules)
    orders: dict[str, OrderView] = field(default_factory=load_orders)
    status: dict[str, str] = field(default_factory=dict)
    held_by: dict[str, str] = field(default_factory=dict)
    markings: dict[str, str] = field(default_factory=dict)
    #: (scope, serial) -> order id of units packed (`packed_units` not returned).
    serials: dict[tuple[str, str], str] = field(default_factory=dict)
    operators: tuple[Operator, ...] = (PACKER, LEAD, PACKER2)
    clock: datetime = NOW
    station: str = "PS-01"
    parcels: int = 0
    #: The station's camera (`domain.evidence`); None: no camera.
    camera: CameraState | None = None

    def __post_init__(self) -> None:
        for order_id in self.orders:
            self.status.setdefault(order_id, "ready")
        self.status["ORD-1004"] = "needs_correction"

    def now(self) -> datetime:
        return self.clock

    def operator_by_badge(self, badge: str) -> Operator | None:
        return next((o for o in self.operators if o.badge == badge), None)

    def verify_pin(self, operator: Operator, pin: str) -> bool:
        return PINS.get(operator.id) == pin

    def find_order(self, ref: str) -> OrderView | ClaimRefusal | None:
        order = self.orders.get(ref) or next(
            (o for o in self.orders.values() if o.tote and o.tote == ref), None
        )
        if order is None:
            return None
        holder = self.held_by.get(order.id)
        if holder and holder != self.station:
            return ClaimRefusal(order.id, RefusalReason.HELD_ELSEWHERE, station=holder)
        if self.status[order.id] != "ready":
            return ClaimRefusal(order.id, RefusalReason.NOT_PACKABLE, status=self.status[order.id])
        return order

    def next_order(self) -> OrderView | None:
        ready = [
            o for o in self.orders.values()
            if self.status[o.id] == "ready" and o.id not in self.held_by
        ]  # fmt: skip
        ready.sort(key=lambda o: (-o.priority, o.ship_by or NOW, o.id))
        return ready[0] if ready else None

    def marking_used_in(self, identity: str) -> str | None:
        return self.markings.get(identity)

    def serial_shipped_in(self, scope: str, serial: str) -> str | None:
        return self.serials.get((scope, serial))

    def order_of_code(self, code: ScannedCode) -> str | None:
        for order in self.orders.values():
            for line in order.lines:
                if code.text in line.barcodes or (code.gtin and code.gtin in line.gtins):
                    return order.id
        return None

    def new_parcel_id(self, order_id: str) -> str:
        self.parcels += 1
        return f"PCL-{order_id}-{self.parcels}"

    def commit(self, records: tuple[Record, ...]) -> None:
        """The side effects the app's transaction would have on later lookups."""
        for record in records:
            match record:
                case OrderClaimed(order=order):
                    self.held_by[order.id] = self.station
                    self.status[order.id] = "packing"
                case ScanAccepted(identity=str() as identity, order_id=order_id):
                    self.markings[identity] = order_id
                case ScanUndone(identity=str() as identity) | MarkRejected(identity=identity):
                    self.markings.pop(identity, None)
                case OrderPacked(order_id=order_id, units=units):
                    self.held_by.pop(order_id, None)
                    self.status[order_id] = "packed"
                    for unit in units:
                        if unit.serial and unit.scope:
                            self.serials[(unit.scope, unit.serial)] = order_id
                case OrderReleased(order_id=order_id):
                    self.held_by.pop(order_id, None)
                    self.status[order_id] = "ready"
                case OrderHeld(order_id=order_id):
                    self.held_by.pop(order_id, None)
                    self.status[order_id] = "needs_correction"
                case _:
                    pass


@dataclass
class Station:
    """Drives the machine like the app: decide, commit, adopt; keeps every record."""

    ctx: FakeContext = field(default_factory=FakeContext)
    state: PackState = field(default_factory=PackState)
    records: list[Record] = field(default_factory=list)
    last: Decision | None = None

    def do(self, command: Command) -> Outcome:
        before = self.state
        self.state, self.last = step(self.state, command, self.ctx)
        # `apply` reuses the state `decide` folded the records into when given the state
        # decide started from; an equal copy of it takes the replay: both must agree.
        assert apply(replace(before), self.last) == self.state, command
        self.ctx.commit(self.last.records)
        self.records.extend(self.last.records)
        return self.last.outcome

    def scan(self, text: str) -> Outcome:
        return self.do(Scan(parse_code(text)))

    def key(self, action: Action) -> Outcome:
        return self.do(Key(action))

    @property
    def new_records(self) -> tuple[Record, ...]:
        return self.last.records if self.last else ()

    def kinds(self) -> list[str]:
        return [r.kind for r in self.new_records]

    def tick(self, seconds: float) -> None:
        self.ctx.clock += timedelta(seconds=seconds)

    def with_policy(self, policy: DefectPolicy) -> Station:
        self.ctx.rules = replace(self.ctx.rules, defect_policy=policy)
        return self


# ORD-1001: 2 mugs (fragile), 1 tea, 1 spoon set = 4 units, 845 g of goods.
MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"
CABLE_OF_1005 = "4607001002000"


@pytest.fixture
def station() -> Station:
    return Station()


@pytest.fixture
def logged_in(station: Station) -> Station:
    station.scan(PACKER.badge)
    return station


@pytest.fixture
def ord1001(logged_in: Station) -> Station:
    logged_in.scan("ORD-1001")
    return logged_in


def fill_1001(st: Station) -> None:
    for code in (MUG, MUG, TEA, SPOON):
        assert st.scan(code).ok


@pytest.fixture
def boxed_1001(ord1001: Station) -> Station:
    fill_1001(ord1001)
    assert ord1001.scan("BOX:M").ok
    return ord1001


@pytest.fixture
def weighed_1001(boxed_1001: Station) -> Station:
    assert boxed_1001.do(ScaleReading(Decimal("1060"), stable=True)).ok
    return boxed_1001
