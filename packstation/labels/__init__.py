"""Parcel labels (ZPL for thermal printers, PNG for any printer) and printable barcode sheets."""
