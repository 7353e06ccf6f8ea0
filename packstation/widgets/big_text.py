"""Block letters three rows tall, for the result's headline in big mode (`[station] big`).

A terminal has one font size, so the headline ("WRONG ITEM", "ВЕС НЕ ТОТ") is drawn
in a 5-pixel-high font, two pixel rows per text row with half blocks: three rows
of text, letters four to seven cells wide, readable from two metres on a bench
screen. Latin and Cyrillic capitals, digits and a little punctuation; anything
else draws as a hollow box (the headlines are our own words, never scanned text).
"""

from __future__ import annotations

__all__ = ["ROWS", "big_lines", "big_width"]

#: Text rows a headline takes.
ROWS = 3

_L: dict[str, str] = {
    "A": ".#. #.# ### #.# #.#",
    "B": "##. #.# ##. #.# ##.",
    "C": ".## #.. #.. #.. .##",
    "D": "##. #.# #.# #.# ##.",
    "E": "### #.. ##. #.. ###",
    "F": "### #.. ##. #.. #..",
    "G": ".## #.. #.# #.# .##",
    "H": "#.# #.# ### #.# #.#",
    "I": "### .#. .#. .#. ###",
    "J": "..# ..# ..# #.# .#.",
    "K": "#.# #.# ##. #.# #.#",
    "L": "#.. #.. #.. #.. ###",
    "M": "#...# ##.## #.#.# #...# #...#",
    "N": "#..# ##.# #.## #..# #..#",
    "O": ".#. #.# #.# #.# .#.",
    "P": "##. #.# ##. #.. #..",
    "Q": ".#. #.# #.# ##. .##",
    "R": "##. #.# ##. #.# #.#",
    "S": ".## #.. .#. ..# ##.",
    "T": "### .#. .#. .#. .#.",
    "U": "#.# #.# #.# #.# ###",
    "V": "#.# #.# #.# #.# .#.",
    "W": "#...# #...# #.#.# ##.## #...#",
    "X": "#.# #.# .#. #.# #.#",
    "Y": "#.# #.# .#. .#. .#.",
    "Z": "### ..# .#. #.. ###",
    "Б": "### #.. ##. #.# ##.",
    "Г": "### #.. #.. #.. #..",
    "Д": ".##. .#.# .#.# #### #..#",
    "Ж": "#.#.# #.#.# .###. #.#.# #.#.#",
    "З": "##. ..# .#. ..# ##.",
    "И": "#..# #..# #.## ##.# #..#",
    "Й": ".##. #..# #.## ##.# #..#",
    "Л": ".## #.# #.# #.# #.#",
    "П": "### #.# #.# #.# #.#",
    "У": "#.# #.# .## ..# ##.",
    "Ф": ".###. #.#.# #.#.# .###. ..#..",
    "Ц": "#.#. #.#. #.#. ###. ...#",
    "Ч": "#.# #.# .## ..# ..#",
    "Ш": "#.#.# #.#.# #.#.# #.#.# #####",
    "Щ": "#.#.#. #.#.#. #.#.#. #####. .....#",
    "Ъ": "##.. .#.. .##. .#.# .##.",
    "Ы": "#...# #...# ##..# #.#.# ##..#",
    "Ь": "#.. #.. ##. #.# ##.",
    "Э": "##. ..# .## ..# ##.",
    "Ю": "#..#. #.#.# ###.# #.#.# #..#.",
    "Я": ".## #.# .## #.# #.#",
    "0": "### #.# #.# #.# ###",
    "1": ".#. ##. .#. .#. ###",
    "2": "##. ..# .#. #.. ###",
    "3": "##. ..# .#. ..# ##.",
    "4": "#.# #.# ### ..# ..#",
    "5": "### #.. ##. ..# ##.",
    "6": ".## #.. ### #.# ###",
    "7": "### ..# .#. .#. .#.",
    "8": "### #.# ### #.# ###",
    "9": "### #.# ### ..# ##.",
    " ": ".. .. .. .. ..",
    "!": "# # # . #",
    ".": ". . . . #",
    ",": ". . . # #",
    ":": ". # . # .",
    "-": "... ... ### ... ...",
    "?": "##. ..# .#. ... .#.",
    "/": "..# ..# .#. #.. #..",
    "✓": "....# ...#. #.#.. .#... .....",
    "✗": "#.# #.# .#. #.# #.#",
}
#: Cyrillic capitals drawn like their Latin twins.
_SAME = {
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ё": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}
_BOX = "### #.# #.# #.# ###"
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def _glyph(char: str) -> list[str]:
    char = char.upper()
    return (_L.get(_SAME.get(char, char)) or _BOX).split(" ")


def big_width(text: str) -> int:
    """Cells `big_lines(text)` takes (a one-cell gap after each letter but the last)."""
    return max(0, sum(len(_glyph(c)[0]) + 1 for c in text) - 1)


def big_lines(text: str) -> list[str]:
    """`text` in block letters: `ROWS` strings of equal width."""
    rows = [""] * ROWS
    for n, char in enumerate(text):
        pixels = _glyph(char) + [""]
        width = len(pixels[0])
        gap = " " if n < len(text) - 1 else ""
        for row in range(ROWS):
            top, bottom = pixels[2 * row].ljust(width, "."), pixels[2 * row + 1].ljust(width, ".")
            cells = (_HALF[(a == "#", b == "#")] for a, b in zip(top, bottom, strict=True))
            rows[row] += "".join(cells) + gap
    return rows
