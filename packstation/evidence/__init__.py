"""Packing evidence: a camera recorder beside each station, clips of how an order was packed.

Sellers lose "the box arrived empty" disputes unless they can show the packing. The
recorder (`recorder.py`, its own process: `packstation evidence record`) writes the
station's camera into short MPEG-TS segments named by their UTC start; `clips.py` cuts
an order's clip from claim to the last label scan-back out of them, with the station's
events (`timeline.py`) as a subtitle track; `photos.py` keeps stills for defects;
`retention.py` deletes old segments but never those of an order with a defect or a
return. Nothing here runs inside the station app: it reads `recorder.json`
(`status.py`) and, later, calls `photos.take_photo`.
"""
