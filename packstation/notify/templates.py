"""A queued notification (template + payload + locale) as subject, plain text and HTML.

The sentences live in `packstation.texts.notify`; here only the shape of each
message. Every payload value reaches HTML through `html.escape`, so a customer
name such as ``<script>`` is shown, never run.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from packstation.i18n import LOCALES, TABLE, Msg, t

__all__ = ["TEMPLATES", "Rendered", "TemplateError", "render"]


#: `packstation.domain.validation` words its problems in English: other readers get the field.
INTAKE_LOCALE = "en"


class TemplateError(Exception):
    """The notification cannot be rendered at all: retrying will not help."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lines:
    """Short facts (carrier, parcel number) kept together as one paragraph."""

    items: tuple[str, ...]


Block = str | Bullets | Lines
Builder = Callable[[Mapping[str, str], Mapping[str, Any], str], list[Block]]


def _say(key: str, params: Mapping[str, object], locale: str) -> str:
    return t(Msg(key, params), locale)


def _needs_correction(p: Mapping[str, str], raw: Mapping[str, Any], loc: str) -> list[Block]:
    items: list[str] = []
    problems = raw.get("problems")
    for problem in problems if isinstance(problems, list) else []:
        if not isinstance(problem, Mapping):
            continue
        field = str(problem.get("field", ""))
        key = f"notify.field.{field}"
        label = _say(key if key in TABLE else "notify.field.other", {}, loc)
        message = str(problem.get("message", ""))
        key = "problem_detail" if message and loc == INTAKE_LOCALE else "problem"
        items.append(
            _say(f"notify.order_needs_correction.{key}", {"label": label, "message": message}, loc)
        )
    blocks: list[Block] = [_say("notify.order_needs_correction.intro", p, loc)]
    if items:
        # The same field may fail twice (two bad barcodes): the customer needs it once.
        blocks += [
            _say("notify.order_needs_correction.list", p, loc),
            Bullets(tuple(dict.fromkeys(items))),
        ]
    blocks.append(_say("notify.order_needs_correction.action", p, loc))
    return blocks


def _defect(p: Mapping[str, str], raw: Mapping[str, Any], loc: str) -> list[Block]:
    item = p.get("name") or p.get("sku") or "?"
    kind = p.get("defect", "other")
    kind_key = f"notify.order_defect.kind.{kind}"
    next_key = f"notify.order_defect.next.{p.get('resolution', '')}"
    return [
        _say(
            kind_key if kind_key in TABLE else "notify.order_defect.kind.other",
            {**p, "item": item},
            loc,
        ),
        _say(next_key if next_key in TABLE else "notify.order_defect.next.other", p, loc),
        _say("notify.sorry", p, loc),
    ]


def _optional(p: Mapping[str, str], loc: str, *pairs: tuple[str, str]) -> list[Block]:
    lines = tuple(_say(key, p, loc) for field, key in pairs if p.get(field))
    return [Lines(lines)] if lines else []


def _shipped(p: Mapping[str, str], raw: Mapping[str, Any], loc: str) -> list[Block]:
    return [
        _say("notify.parcel_shipped.body", p, loc),
        *_optional(
            p,
            loc,
            ("carrier", "notify.carrier"),
            ("parcel_id", "notify.parcel_number"),
            ("tracking_url", "notify.parcel_shipped.tracking"),
        ),
    ]


def _delivery_failed(p: Mapping[str, str], raw: Mapping[str, Any], loc: str) -> list[Block]:
    return [
        _say("notify.delivery_failed.body", p, loc),
        *_optional(
            p,
            loc,
            ("carrier", "notify.carrier"),
            ("parcel_id", "notify.parcel_number"),
            ("reason", "notify.delivery_failed.reason"),
        ),
        _say("notify.delivery_failed.action", p, loc),
    ]


def _simple(*keys: str) -> Builder:
    def build(p: Mapping[str, str], raw: Mapping[str, Any], loc: str) -> list[Block]:
        return [_say(key, p, loc) for key in keys]

    return build


#: template name -> (payload fields it cannot do without, body builder)
TEMPLATES: dict[str, tuple[tuple[str, ...], Builder]] = {
    "order_needs_correction": (("order_id",), _needs_correction),
    "order_defect": (("order_id",), _defect),
    "parcel_shipped": (("order_id",), _shipped),
    "delivery_failed": (("order_id",), _delivery_failed),
    "return_received": (
        ("order_id",),
        _simple("notify.return_received.body", "notify.return_received.next"),
    ),
    "refund_issued": (
        ("order_id", "amount", "currency"),
        _simple("notify.refund_issued.body", "notify.refund_issued.timing"),
    ),
}


def _one_line(value: str) -> str:
    """A header must stay one line whatever the payload holds."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def render(template: str, payload: Mapping[str, Any], locale: str) -> Rendered:
    """Raises `TemplateError` for an unknown template or a payload missing a required field."""
    entry = TEMPLATES.get(template)
    if entry is None:
        raise TemplateError(f"unknown template {template!r}")
    required, build = entry
    loc = locale if locale in LOCALES else "en"
    params = {k: str(v) for k, v in payload.items() if isinstance(v, str | int | float)}
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise TemplateError(f"template {template!r} needs payload field(s) {', '.join(missing)}")
    name = params.get("customer_name", "").strip()
    greeting = (
        _say("notify.greeting", {"name": name}, loc)
        if name
        else _say("notify.greeting_anonymous", {}, loc)
    )
    blocks: list[Block] = [greeting, *build(params, payload, loc), _say("notify.signoff", {}, loc)]
    subject = _one_line(_say(f"notify.{template}.subject", params, loc))
    return Rendered(subject, _as_text(blocks), _as_html(subject, blocks, loc))


def _as_text(blocks: list[Block]) -> str:
    out = ""
    for b in blocks:
        if isinstance(b, Bullets):  # a list follows its heading line directly
            out += "\n" + "\n".join(f"  • {item}" for item in b.items)
        else:
            out += ("\n\n" if out else "") + ("\n".join(b.items) if isinstance(b, Lines) else b)
    return out + "\n"


def _as_html(subject: str, blocks: list[Block], locale: str) -> str:
    esc = html.escape

    def one(b: Block) -> str:
        if isinstance(b, Bullets):
            return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in b.items) + "</ul>"
        if isinstance(b, Lines):
            return "<p>" + "<br>".join(esc(item) for item in b.items) + "</p>"
        return f"<p>{esc(b)}</p>"

    body = "\n".join(one(b) for b in blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(locale)}">\n<head><meta charset="utf-8">'
        f"<title>{esc(subject)}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )
