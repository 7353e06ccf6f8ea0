"""Marketplace channels (Ozon FBS, Wildberries FBS): one module per marketplace behind
`base.Marketplace`; `http.py` is the one way any of them talks to the outside."""
