"""packstation: packing-station software for marketplace fulfilment warehouses."""

__version__ = "0.1.0"
