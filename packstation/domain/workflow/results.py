"""What a command handler returns, before ``decide`` adds the common finishing touches.

Internal to the workflow package: handlers say ok/red, the message, the
records and the dialog to open; ``decide`` adds the audit record for red
scans, the automatic label print and the next-step hint.
"""

from __future__ import annotations

import enum
from datetime import datetime

from msgspec import Struct

from packstation.domain.rules import PackRules
from packstation.domain.workflow.commands import Context
from packstation.domain.workflow.records import Record
from packstation.domain.workflow.state import Flow
from packstation.i18n import Msg

__all__ = ["KEEP", "QUIET", "Env", "Keep", "Result", "bad", "good"]


class Keep(enum.Enum):
    """Sentinel for ``Result.flow``: leave the open dialog as it is."""

    KEEP = 0


KEEP = Keep.KEEP


class Result(Struct, frozen=True):
    """A handler's verdict before the common finishing touches in ``decide``."""

    ok: bool
    message: Msg
    records: tuple[Record, ...] = ()
    flow: Flow | None | Keep = KEEP
    hint: Msg | None = None
    bell: bool = True
    quiet: bool = False
    other_order: str | None = None
    #: False: only information (e.g. which tariff cards exist); no label print follows.
    prints: bool = True


class Env(Struct, frozen=True):
    """The context, its rules, and the one timestamp every record of a decision shares."""

    ctx: Context
    rules: PackRules
    at: datetime


def good(
    key: str,
    params: dict[str, object] | None = None,
    records: tuple[Record, ...] = (),
    flow: Flow | None | Keep = KEEP,
) -> Result:
    return Result(True, Msg(key, params or {}), records, flow)


def bad(
    key: str,
    params: dict[str, object] | None = None,
    *,
    hint: Msg | None = None,
    other_order: str | None = None,
    flow: Flow | None | Keep = KEEP,
    bell: bool = True,
    records: tuple[Record, ...] = (),
) -> Result:
    return Result(
        False, Msg(key, params or {}), records, flow, hint, bell=bell, other_order=other_order
    )


QUIET = Result(True, Msg("ignored"), quiet=True)
