"""Sentences of the browser sign-in page (English and Russian), in the shape of
packstation/texts/*: the page is rendered by the serve process, not by a Textual screen."""

from __future__ import annotations

import string


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    "web.title.queue": _e("Queue: sign in", "Очередь: вход"),
    "web.title.station": _e("Station {station}: sign in", "Станция {station}: вход"),
    "web.badge": _e("Badge", "Бейдж"),
    "web.pin": _e("PIN", "PIN"),
    "web.sign_in": _e("Sign in", "Войти"),
    "web.sign_out": _e("Sign out", "Выйти"),
    "web.signed_in": _e("{name} ({role})", "{name} ({role})"),
    "web.missing": _e(
        "Scan or type your badge, then your PIN.", "Отсканируйте бейдж и введите PIN."
    ),
    "web.wrong": _e("Wrong badge or PIN.", "Неверный бейдж или PIN."),
    "web.locked": _e(
        "This badge is locked after too many wrong PINs until {until}.",
        "Бейдж заблокирован после неверных PIN до {until}.",
    ),
    "web.no_pin": _e(
        "This badge has no PIN: signing in from a browser needs one (ask an admin).",
        "У бейджа нет PIN: для входа из браузера он нужен (обратитесь к администратору).",
    ),
    "web.queue_leads_only": _e(
        "The queue is for leads and admins. Packers sign in at their station's page.",
        "Очередь — только для бригадиров и администраторов. Упаковщики входят на странице "
        "своей станции.",
    ),
    "web.ended": _e(
        "Signed out (or the session expired). Sign in again.",
        "Сеанс завершён. Войдите снова.",
    ),
    "web.db_down": _e(
        "The database does not answer; try again in a moment.",
        "База данных не отвечает; попробуйте чуть позже.",
    ),
    "web.evidence.title": _e("Packing evidence", "Видео упаковки"),
    "web.evidence.order": _e("Order", "Заказ"),
    "web.evidence.open": _e("Show", "Показать"),
    "web.evidence.clip": _e("Clip (claim to label scan-back)", "Видео (от взятия до этикетки)"),
    "web.evidence.no_clip": _e(
        "No clip of this order (yet).", "Видео этого заказа нет (или ещё нет)."
    ),
    "web.evidence.photos": _e("Defect photos", "Фото брака"),
    "web.evidence.no_video": _e(
        "Claimed without video from the camera.", "Взят без видео с камеры."
    ),
    "web.evidence.gone": _e(
        "The file is no longer in the evidence folder.", "Файла больше нет в папке видео."
    ),
    "web.evidence.unknown": _e("No such order.", "Такого заказа нет."),
    "web.evidence.off": _e(
        "No evidence folder: the config has no [evidence] or [camera].",
        "Папка видео не задана: в конфигурации нет [evidence] или [camera].",
    ),
    "web.evidence.leads_only": _e(
        "Forbidden: packing evidence is for leads and admins.",
        "Доступ запрещён: видео упаковки — для бригадиров и администраторов.",
    ),
}


def say(key: str, locale: str, **params: object) -> str:
    """`key` in `locale` (English when missing), with `params` filled in."""
    entry = TEXTS.get(key, {})
    template = entry.get(locale) or entry.get("en") or key
    return string.Formatter().vformat(template, (), params)
