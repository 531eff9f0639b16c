"""Relays: the one interface through which a rendered job leaves the gateway (fax provider, Graph, EWS)."""
