"""Packing evidence: a camera recorder beside each station, clips of how an order was packed.

Sellers lose "the box arrived empty" disputes unless they can show the packing. The
recorder (`recorder.py`, its own process: `packstation evidence record`) writes the
station's camera into short MPEG-TS segments named by their UTC start; `clips.py` cuts
an order's clip from claim to the last label scan-back out of them, with the station's
events (`timeline.py`) as a subtitle track; `photos.py` keeps stills for defects;
`retention.py` deletes old segments but never those of an order with a defect or a
return. In the station app only the light parts run, each off the UI loop: `watch.py`
reads `recorder.json` for the device bar and the claim's check, `station.py` takes a
photo at each defect, `events.py` stores photos and clip hashes with the order's events,
`disk.py` sums the disk use for the queue screen.
"""
