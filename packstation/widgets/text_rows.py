"""A text widget that draws, and repaints, one line at a time (Textual's line API).

`TextLine` (a Static) turns its whole text into a Visual and re-renders every
line of it, through word wrapping, on each change. The widgets a scan changes
(the result panel, the lines table, the progress line) show text whose lines
fit their width, so here each line is rendered on its own, straight from the
line's spans, and a change repaints only the lines whose text changed: a scan
costs what it changes, not what the screen shows. The colours are Textual's
own: each line goes through `Content.from_rich_text` and the widget's visual
style exactly as a Static's would (`tests/screens/test_text_rows.py` compares
the two). A line wider than the widget makes the whole text fall back to the
Static's rendering, wrapping included.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Text
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

#: How a widget's lines are drawn: width, inner style, background, filters, left and
#: right padding, top padding, content width and height.
_Frame = tuple[int, RichStyle, Color, tuple[LineFilter, ...], int, int, int, int, int]


def _same(a: Text, b: Text) -> bool:
    """Equal text, spans and base style (rich's `Text ==` ignores the base style)."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


#: Drawn lines kept by their text (a few lines-table windows' worth; cleared beyond).
BY_LINE_LIMIT = 512


class TextRows(Widget):
    """Shows a `rich.text.Text`, never markup (scanned text stays literal)."""

    DEFAULT_CSS = "TextRows { height: auto; }"

    def __init__(
        self, text: Text | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        text = text if text is not None else Text()
        self._text: Text | None = text
        self._lines: list[Text] = list(text.split("\n", allow_blank=True))
        #: Rendered lines by row, for the current width and style.
        self._strips: dict[int, Strip] = {}
        #: Whole-text rendering when a line does not fit (wrapped like a Static).
        self._wrapped: list[Strip] | None = None
        self._key: tuple[object, int] | None = None
        #: Drawn lines (padded and filtered) by y, for `_frame_key`.
        self._final: dict[int, Strip] = {}
        #: The same, by the line's own `Text` (kept, so its id is not reused): a line that
        #: only moved (the lines table's window follows the scanned line) is looked up,
        #: not drawn again. Dropped with `_final` when the style or size changes.
        self._by_line: dict[int, tuple[Text, Strip]] = {}
        self._frame_key: tuple[object, ...] | None = None
        self._frame: _Frame | None = None
        #: Rich style of each (text style, span styles...) seen, for the current visual style.
        self._styles: dict[tuple[str | RichStyle, ...], RichStyle] = {}

    @property
    def content(self) -> Text:
        """The text shown (as `Static.content`)."""
        if self._text is None:
            self._text = Text("\n").join(self._lines)
        return self._text

    def show_text(self, text: Text, *, layout: bool = False) -> None:
        if self._text is not None and _same(text, self._text):
            return
        self.show_lines(list(text.split("\n", allow_blank=True)), layout=layout)
        self._text = text

    def show_lines(self, lines: list[Text], *, layout: bool = False) -> None:
        """Show these lines (the text they make joined by newlines); each redrawn only if
        it changed."""
        old = self._lines
        self._text, self._lines = None, lines
        width = self.size.width
        if (
            layout
            or not width
            or self._wrapped is not None
            or len(old) != len(lines)
            or any(line.cell_len > width for line in lines)
        ):
            self._key = None  # everything again (wrapped, or a line more or less)
            self._final.clear()
            self._by_line.clear()
            self.refresh(layout=layout)
            return
        changed = [y for y, (a, b) in enumerate(zip(old, lines, strict=True)) if not _same(a, b)]
        top = self.styles.padding.top
        for y in changed:
            self._strips.pop(y, None)
            self._final.pop(y + top, None)
        if changed:
            first, last = changed[0], changed[-1]
            self.refresh(Region(0, first, width, last - first + 1))

    def render(self) -> Text:
        """The text (what `str(widget.render())` reads); drawing goes through `render_line`."""
        return self.content

    # --- the line API -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        base = self.visual_style
        width = self.size.width
        key = (base, width)
        if key != self._key:  # resized, or restyled (e.g. the result panel turned red)
            self._key = key
            self._strips.clear()
            self._by_line.clear()
            self._styles.clear()
            self._wrapped = None
            if any(line.cell_len > width for line in self._lines):
                visual = Content.from_rich_text(self.content, self.app.console)
                self._wrapped = Visual.to_strips(self, visual, width, None, base)
        if self._wrapped is not None:
            if y < len(self._wrapped):
                return self._wrapped[y]
            return Strip.blank(width, base.rich_style)
        strip = self._strips.get(y)
        if strip is None:
            if y >= len(self._lines):
                return Strip.blank(width, base.rich_style)
            line = self._lines[y]
            if line.cell_len > width:  # a new text that does not fit: render it whole
                self._key = None
                return self.render_line(y)
            strip = self._strips[y] = Strip(self._segments(line, base), line.cell_len)
        return strip

    def _segments(self, line: Text, base: Style) -> list[Segment]:
        """The line's pieces, each in the style a Static gives it (see `_style`)."""
        plain, spans, text_style = line.plain, line.spans, line.style
        if not plain:
            return []
        if not spans:
            return [Segment(plain, self._style(base, (text_style,)))]
        end = len(plain)
        cuts = sorted(
            {0, end, *(min(s.start, end) for s in spans), *(min(s.end, end) for s in spans)}
        )
        out: list[Segment] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            if a < b:
                key = (text_style, *(s.style for s in spans if s.start <= a and s.end >= b))
                style = self._style(base, key)
                if out and out[-1].style == style:
                    # Two spans, one look: a Static keeps them apart (its styles carry each
                    # piece's offset), and so do we, or a screenshot would join them.
                    style = style + RichStyle.from_meta({"offset": (a, 0)})
                out.append(Segment(plain[a:b], style))
        return out

    def _style(self, base: Style, key: tuple[str | RichStyle, ...]) -> RichStyle:
        """The rich style of a piece under the text's base style and the spans over it, in
        order, computed as `Content.from_rich_text` and `Content.render` would (a string
        base style is parsed by Textual, span styles by rich; then combined on the
        widget's visual style); a handful exist, so each is computed once."""
        rich = self._styles.get(key)
        if rich is None:
            theme = self.app.ansi_theme
            get = self.app.console.get_style
            parts = [base]
            text_style, *span_styles = key
            if isinstance(text_style, str):
                if text_style:
                    parts.append(self._get_style(text_style))
            else:
                parts.append(Style.from_rich_style(text_style, theme))
            for style in span_styles:
                parts.append(
                    Style.from_rich_style(get(style) if isinstance(style, str) else style, theme)
                )
            rich = self._styles[key] = (base + Style.combine(parts)).rich_style
        return rich

    def render_lines(self, crop: Region) -> list[Strip]:
        """What the compositor draws. Without border, outline, tint, hatch or opacity (the
        lines table, the bars) each line is padded and filtered here, once, and kept until
        it changes; otherwise Textual's styles cache does it (the result panel's border).
        Called for every widget on the screen at each frame, changed or not: what does not
        change is looked up, not worked out again."""
        frame = self._frame_of(self.visual_style, self.outer_size, self.get_line_filters())
        if frame is None:
            return super().render_lines(crop)
        final = self._final
        width, inner, background, filters, pad_left, pad_right, top, content_w, content_h = frame
        strips = []
        for y in crop.line_range:
            strip = final.get(y)
            if strip is None:
                # As Textual's styles cache draws it: content padded to the content width
                # with the inner background, then the padding; built as one list of
                # segments, filtered, and made a Strip once.
                row = y - top
                lines = self._lines
                text = lines[row] if 0 <= row < min(len(lines), content_h) else None
                moved = None
                if text is not None and self._key is not None and self._wrapped is None:
                    moved = self._by_line.get(id(text))
                if moved is not None and moved[0] is text:
                    strips.append(final.setdefault(y, moved[1]))
                    continue
                if row < 0 or row >= content_h:
                    segments = [Segment(" " * width, inner)]
                else:
                    line = self.render_line(row)
                    segments = list(line)
                    if line.cell_length < content_w:
                        segments.append(Segment(" " * (content_w - line.cell_length), inner))
                    elif line.cell_length > content_w:
                        segments = list(line.crop(0, content_w))
                    if pad_left:
                        segments.insert(0, Segment(" " * pad_left, inner))
                    if pad_right:
                        segments.append(Segment(" " * pad_right, inner))
                for line_filter in filters:
                    segments = line_filter.apply(segments, background)
                strip = final[y] = Strip(segments, width)
                if text is not None and self._wrapped is None:
                    if len(self._by_line) >= BY_LINE_LIMIT:
                        self._by_line.clear()
                    self._by_line[id(text)] = (text, strip)
            strips.append(strip)
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _frame_of(self, visual: Style, size: Size, filters: Sequence[LineFilter]) -> _Frame | None:
        """How lines are drawn for this style and size (None: by Textual's styles cache);
        worked out again, and the drawn lines dropped, only when those change."""
        key = (visual, size, *filters)
        if key == self._frame_key:
            return self._frame
        self._frame_key = key
        self._final.clear()
        self._by_line.clear()
        styles = self.styles
        if (
            any(edge for edge, _ in styles.border)
            or any(edge for edge, _ in styles.outline)
            or styles.tint.a
            or styles.opacity != 1.0
            or styles.text_opacity != 1.0
            or (styles.has_rule("hatch") and styles.hatch != "none")
        ):
            self._frame = None
            return None
        base_background, background = self.background_colors
        inner = Style(background=base_background + background).rich_style
        top, right, bottom, left = styles.padding
        width, height = size
        self._frame = (
            width, inner, background, tuple(filters), left, right, top,
            width - left - right, height - top - bottom,
        )  # fmt: skip
        return self._frame

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_len for line in self._lines), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if any(line.cell_len > width for line in self._lines):
            visual = Content.from_rich_text(self.content, self.app.console)
            return len(Visual.to_strips(self, visual, width, None, self.visual_style))
        return len(self._lines)
