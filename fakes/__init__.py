"""Stand-in servers (fax provider, Microsoft Graph, EWS) that the tests and the demo run on 127.0.0.1."""
