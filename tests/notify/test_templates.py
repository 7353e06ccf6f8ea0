from __future__ import annotations

from collections.abc import Mapping

import pytest

from packstation.i18n import TABLE
from packstation.notify.templates import TEMPLATES, TemplateError, render

FULL = {
    "order_id": "ORD-1",
    "customer_name": "Анна",
    "problems": [{"field": "address.postcode", "message": "must be 6 digits"}],
    "sku": "MUG",
    "name": "Кружка",
    "defect": "missing",
    "resolution": "hold",
    "parcel_id": "PCL-9",
    "carrier": "Почта России",
    "reason": "no one at home",
    "amount": "1290.00",
    "currency": "RUB",
}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_template_renders_in_both_languages_without_placeholders(
    template: str, locale: str
) -> None:
    out = render(template, FULL, locale)
    assert "ORD-1" in out.subject
    for part in (out.subject, out.text, out.html):
        assert "{" not in part and "notify." not in part
    assert out.html.startswith("<!DOCTYPE html>") and f'lang="{locale}"' in out.html
    cyrillic = any("а" <= ch <= "я" for ch in out.subject.lower())
    assert cyrillic == (locale == "ru")


def test_every_notify_key_has_both_languages() -> None:
    keys = [k for k in TABLE if k.startswith("notify.")]
    assert keys and all(TABLE[k]["en"] and TABLE[k]["ru"] for k in keys)


def test_html_escapes_payload_values_and_subject_stays_one_line() -> None:
    payload = {**FULL, "customer_name": "<script>alert(1)</script>", "order_id": "A&B\r\nBcc: x"}
    out = render("order_defect", payload, "en")
    assert "<script>" not in out.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html
    assert "A&amp;B" in out.html
    assert "\n" not in out.subject and "\r" not in out.subject
    assert "<script>alert(1)</script>" in out.text  # plain text stays literal


def test_defect_says_what_happens_next() -> None:
    texts = {
        res: render("order_defect", {**FULL, "resolution": res}, "en").text
        for res in ("hold", "ship_short", "refund", "something-new")
    }
    assert "on hold" in texts["hold"]
    assert "rest of the order without it" in texts["ship_short"]
    assert "refund" in texts["refund"]
    assert "what happens next" in texts["something-new"]
    ru = render("order_defect", {**FULL, "defect": "damaged"}, "ru").text
    assert "Здравствуйте, Анна!" in ru and "«Кружка» повреждён" in ru


def test_needs_correction_lists_fields_in_the_customers_language() -> None:
    payload = {
        **FULL,
        "problems": [
            {"field": "customer.email", "message": "not a valid email address: 'x'"},
            {"field": "lines[0].barcodes[0]", "message": "bad check digit"},
            {"field": "lines[1].barcodes[0]", "message": "bad check digit"},
        ],
    }
    ru = render("order_needs_correction", payload, "ru")
    assert "• Адрес электронной почты" in ru.text
    assert ru.text.count("Данные заказа") == 1  # the same label is listed once
    assert "<li>Адрес электронной почты</li>" in ru.html
    en = render("order_needs_correction", payload, "en")
    assert "• Email address: not a valid email address: 'x'" in en.text


def test_unknown_template_and_missing_field_are_template_errors() -> None:
    with pytest.raises(TemplateError, match="unknown template 'nope'"):
        render("nope", FULL, "en")
    with pytest.raises(TemplateError, match="amount"):
        render("refund_issued", {"order_id": "ORD-1", "currency": "RUB"}, "en")


def test_unknown_locale_falls_back_to_english_and_no_name_is_a_plain_greeting() -> None:
    out = render("return_received", {"order_id": "ORD-1"}, "de")
    assert out.text.startswith("Hello,\n")


def test_every_notify_sentence_is_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stray-key guard of the notify area: each key is used by some rendering."""
    from packstation.notify import templates

    used: set[str] = set()
    say = templates._say

    def spy(key: str, params: Mapping[str, object], locale: str) -> str:
        used.add(key)
        return say(key, params, locale)

    monkeypatch.setattr(templates, "_say", spy)
    keys = {k for k in TABLE if k.startswith("notify.")}
    fields = [k.removeprefix("notify.field.") for k in keys if k.startswith("notify.field.")]
    problems = [{"field": f, "message": "x"} for f in fields]
    for locale in ("en", "ru"):
        for name in TEMPLATES:
            render(name, {**FULL, "problems": problems, "tracking_url": "https://t"}, locale)
        render("order_defect", {"order_id": "ORD-1"}, locale)
        for kind in ("missing", "damaged", "wrong_item", "expired", "other"):
            for resolution in ("hold", "ship_short", "refund"):
                render("order_defect", {**FULL, "defect": kind, "resolution": resolution}, locale)
    assert keys - used == set()


def test_delivery_failed_shows_what_the_delivery_import_queues() -> None:
    # The payload shape of packstation.models.deliveries_repo.
    payload = {
        "order_id": "ORD-1001",
        "parcel_id": "PCL-7",
        "carrier": "RUSSIAN-POST",
        "reason": "addressee unknown",
        "customer_name": "Анна Петрова",
    }
    out = render("delivery_failed", payload, "ru")
    assert out.subject == "Заказ ORD-1001: не удалось доставить"
    assert "Служба доставки: RUSSIAN-POST.\nНомер посылки: PCL-7.\nПричина: addressee unknown." in (
        out.text
    )
    assert "<br>" in out.html
