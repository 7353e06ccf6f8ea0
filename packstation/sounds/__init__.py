"""Signals a packer cannot miss: distinct sounds per class of result (`domain/signals.py`
decides the class), played on the station PC's sound card, in the browser station's page,
or as terminal bell patterns where there is no sound. See docs/sounds.md."""
