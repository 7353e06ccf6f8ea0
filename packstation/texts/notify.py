"""Sentences of the notify area (see packstation.texts): what the customer reads.

Keys are ``notify.<template>.<part>``; `packstation.notify.templates` picks them.
Payload values are plain text here; the HTML renderer escapes every sentence.
"""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- shared -------------------------------------------------------------------------
    "notify.greeting": _e("Hello, {name},", "Здравствуйте, {name}!"),
    "notify.greeting_anonymous": _e("Hello,", "Здравствуйте!"),
    "notify.signoff": _e(
        "Kind regards, the customer care team", "С уважением, служба заботы о покупателях"
    ),
    "notify.sorry": _e("We are sorry for the inconvenience.", "Приносим извинения за неудобства."),
    # --- order needs correction ---------------------------------------------------------
    "notify.order_needs_correction.subject": _e(
        "Order {order_id}: please check your details",
        "Заказ {order_id}: пожалуйста, проверьте данные",
    ),
    "notify.order_needs_correction.intro": _e(
        "We cannot start preparing your order {order_id} yet: some of its details need correcting.",
        "Мы пока не можем начать сборку заказа {order_id}: некоторые данные в нём нужно исправить.",
    ),
    "notify.order_needs_correction.list": _e("Please check:", "Пожалуйста, проверьте:"),
    "notify.order_needs_correction.problem": _e("{label}", "{label}"),
    # Intake writes its messages in English: shown only to English readers (see templates).
    "notify.order_needs_correction.problem_detail": _e("{label}: {message}", "{label}: {message}"),
    "notify.order_needs_correction.action": _e(
        "You can correct them in your account on the marketplace. We will prepare the order "
        "as soon as they are fixed.",
        "Исправить их можно в личном кабинете на маркетплейсе. Мы соберём заказ сразу после этого.",
    ),
    "notify.field.customer": _e("Contact details", "Контактные данные"),
    "notify.field.customer.name": _e("Recipient's name", "Имя получателя"),
    "notify.field.customer.phone": _e("Phone number", "Номер телефона"),
    "notify.field.customer.email": _e("Email address", "Адрес электронной почты"),
    "notify.field.address.country": _e("Country", "Страна"),
    "notify.field.address.region": _e("Region", "Регион"),
    "notify.field.address.city": _e("City", "Город"),
    "notify.field.address.postcode": _e("Postcode", "Почтовый индекс"),
    "notify.field.address.line1": _e("Street address", "Адрес доставки (улица, дом, квартира)"),
    "notify.field.other": _e("Order details", "Данные заказа"),
    # --- a defect found while packing ---------------------------------------------------
    "notify.order_defect.subject": _e(
        "Order {order_id}: a problem with one item",
        "Заказ {order_id}: проблема с одним из товаров",
    ),
    "notify.order_defect.kind.missing": _e(
        "While packing your order {order_id} we found that “{item}” is missing.",
        "При сборке заказа {order_id} выяснилось, что товара «{item}» нет в наличии.",
    ),
    "notify.order_defect.kind.damaged": _e(
        "While packing your order {order_id} we found that “{item}” is damaged.",
        "При сборке заказа {order_id} мы обнаружили, что товар «{item}» повреждён.",
    ),
    "notify.order_defect.kind.wrong_item": _e(
        "While packing your order {order_id} we found a different item in place of “{item}”.",
        "При сборке заказа {order_id} вместо товара «{item}» оказался другой товар.",
    ),
    "notify.order_defect.kind.expired": _e(
        "While packing your order {order_id} we found that “{item}” is past its expiry date.",
        "При сборке заказа {order_id} мы обнаружили, что у товара «{item}» истёк срок годности.",
    ),
    "notify.order_defect.kind.other": _e(
        "While packing your order {order_id} we found a problem with “{item}”.",
        "При сборке заказа {order_id} мы обнаружили проблему с товаром «{item}».",
    ),
    "notify.order_defect.next.ship_short": _e(
        "So as not to keep you waiting, we are sending the rest of the order without it; "
        "you will not be charged for it.",
        "Чтобы не задерживать доставку, мы отправим остальные товары без него; платить за "
        "него не нужно.",
    ),
    "notify.order_defect.next.refund": _e(
        "We will refund its cost and let you know when the money has been sent.",
        "Мы вернём его стоимость и сообщим, когда деньги будут отправлены.",
    ),
    "notify.order_defect.next.hold": _e(
        "We have put the order on hold while we sort this out, and will write to you as soon "
        "as it is on its way.",
        "Мы приостановили сборку заказа, пока решаем этот вопрос, и напишем вам, как только "
        "он будет отправлен.",
    ),
    "notify.order_defect.next.other": _e(
        "We will let you know what happens next.",
        "Мы сообщим вам, что будет дальше.",
    ),
    # --- parcel shipped -----------------------------------------------------------------
    "notify.parcel_shipped.subject": _e(
        "Order {order_id} is on its way", "Заказ {order_id} передан в доставку"
    ),
    "notify.parcel_shipped.body": _e(
        "Your order {order_id} has been packed and handed to the carrier.",
        "Ваш заказ {order_id} упакован и передан в службу доставки.",
    ),
    "notify.carrier": _e("Carrier: {carrier}.", "Служба доставки: {carrier}."),
    "notify.parcel_number": _e("Parcel number: {parcel_id}.", "Номер посылки: {parcel_id}."),
    "notify.parcel_shipped.tracking": _e(
        "You can follow it here: {tracking_url}", "Отслеживать посылку: {tracking_url}"
    ),
    # --- delivery failed ----------------------------------------------------------------
    "notify.delivery_failed.subject": _e(
        "Order {order_id}: we could not deliver it",
        "Заказ {order_id}: не удалось доставить",
    ),
    "notify.delivery_failed.body": _e(
        "The carrier was unable to deliver your order {order_id}.",
        "Службе доставки не удалось доставить ваш заказ {order_id}.",
    ),
    "notify.delivery_failed.reason": _e("Reason: {reason}.", "Причина: {reason}."),
    "notify.delivery_failed.action": _e(
        "Please check the delivery address and your phone number in your account on the "
        "marketplace; we will arrange delivery again.",
        "Пожалуйста, проверьте адрес доставки и номер телефона в личном кабинете на "
        "маркетплейсе — мы организуем повторную доставку.",
    ),
    # --- return received ----------------------------------------------------------------
    "notify.return_received.subject": _e(
        "Order {order_id}: we have received your return",
        "Заказ {order_id}: мы получили ваш возврат",
    ),
    "notify.return_received.body": _e(
        "We have received the items you sent back from order {order_id}.",
        "Мы получили товары, которые вы вернули из заказа {order_id}.",
    ),
    "notify.return_received.next": _e(
        "We will inspect them and let you know about the refund.",
        "Мы проверим их и сообщим вам о возврате денег.",
    ),
    # --- refund issued ------------------------------------------------------------------
    "notify.refund_issued.subject": _e(
        "Order {order_id}: your refund is on its way",
        "Заказ {order_id}: деньги возвращены",
    ),
    "notify.refund_issued.body": _e(
        "We have refunded {amount} {currency} for order {order_id}.",
        "Мы вернули вам {amount} {currency} за заказ {order_id}.",
    ),
    "notify.refund_issued.timing": _e(
        "Depending on your bank, it may take a few working days for the money to arrive.",
        "В зависимости от банка деньги могут поступить на счёт в течение нескольких рабочих дней.",
    ),
}
