"""The browser station plays its sounds in the page: `serve --station` in headless
Chromium; the app's private escape sequence (`sounds/player.web_signal`) reaches the page,
which plays the class's notes with Web Audio (recorded here by wrapping the oscillator)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from packstation.domain.signals import SignalClass
from packstation.sounds.tones import TONES
from tests.station.conftest import PACKER
from tests.web.harness import (
    PACKER_PIN,
    browser,
    open_app,
    screen_until,
    serving,
    sign_in,
    type_line,
    wait_js,
)

pytestmark = pytest.mark.other_process

# Runs in the page before its own scripts: notes the frequency of every oscillator started.
RECORD_NOTES = r"""
(function () {
  window.__psNotes = [];
  var Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  var create = Context.prototype.createOscillator;
  Context.prototype.createOscillator = function () {
    var osc = create.call(this);
    var start = osc.start.bind(osc);
    osc.start = function (when) {
      window.__psNotes.push(osc.frequency.value);
      return start(when);
    };
    return osc;
  };
})();
"""


def notes(kind: SignalClass) -> list[int]:
    return [hz for hz, _ms, _gap, _harsh in TONES[kind]]


async def test_the_page_plays_each_results_sound(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text("[sounds]\nvolume = 50\n", encoding="utf-8")
    with serving(tmp_path, fixtures_dir, "--station", "PS-WEB", config=config) as served:
        async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
            await cdp.call("Page.enable")
            await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_NOTES)
            await open_app(cdp, served.url)
            await sign_in(cdp, PACKER, PACKER_PIN)
            await screen_until(cdp, re.compile(r"Station ready"), timeout=30)
            heard: list[float] = []
            for code, kind in (
                (PACKER, SignalClass.GOOD),
                ("ORD-1001", SignalClass.GOOD),
                ("4607001002000", SignalClass.WRONG_ITEM),  # ORD-1005's cable
                ("4601234567893", SignalClass.GOOD),
            ):
                await type_line(cdp, code)
                want = heard + notes(kind)
                heard = await wait_js(
                    cdp, f"window.__psNotes.length >= {len(want)} && window.__psNotes"
                )
                assert heard == want, (code, heard)
            shown = await screen_until(cdp, re.compile(r"✓"), timeout=10)
            assert "\x1b" not in shown and "packstation-signal" not in shown
