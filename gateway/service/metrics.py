"""Prometheus metrics for the service: counts by state, route, rule code and cause; pending gauges.

Labels are drawn from closed vocabularies (job states, routes, rule codes, relay names, failure causes), so a
metric can never carry clinical data and the number of series stays bounded. Each `Service` owns its own
registry, so several services in one process (tests, the demo) do not collide.
"""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class Metrics:
    """The service's metric families, registered on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter(
            "ordofax_messages_received", "Messages accepted by the SMTP listener", ["result"], registry=r
        )
        self.smtp_refused = Counter(
            "ordofax_smtp_refused", "SMTP commands refused by the listener", ["reason"], registry=r
        )
        self.transitions = Counter(
            "ordofax_job_transitions", "Job state changes made by this instance", ["state"], registry=r
        )
        self.findings = Counter("ordofax_rule_findings", "Findings by rule code", ["code", "severity"], registry=r)
        self.outcomes = Counter(
            "ordofax_jobs_finished", "Jobs finished, by outcome and route", ["outcome", "route"], registry=r
        )
        self.relays = Counter(
            "ordofax_relay_attempts",
            "Relay calls by relay, purpose and result",
            ["relay", "purpose", "result"],
            registry=r,
        )
        self.relay_failures = Counter(
            "ordofax_relay_failures", "Relay failures by cause", ["relay", "cause"], registry=r
        )
        self.notices = Counter("ordofax_provider_notices", "Provider notices received", ["result"], registry=r)
        self.alerts = Counter("ordofax_alerts", "Alerts raised (jobs pending past the deadline)", registry=r)
        self.purged = Counter("ordofax_jobs_purged", "Jobs whose clinical content was destroyed", registry=r)
        self.pending = Gauge("ordofax_jobs_pending", "Jobs not yet finished for their sender", registry=r)
        self.oldest = Gauge("ordofax_oldest_pending_seconds", "Age of the oldest pending job", registry=r)
        self.overdue = Gauge("ordofax_jobs_overdue", "Jobs pending past the alert deadline", registry=r)
        self.in_doubt = Gauge("ordofax_jobs_in_doubt", "Jobs waiting for a notice after a crash", registry=r)
        self.by_state = Gauge("ordofax_jobs", "Jobs in the store by state", ["state"], registry=r)
        self.latency = Histogram(
            "ordofax_relay_seconds",
            "From the SMTP 250 to the next hop's acceptance of the route document",
            ["route"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=r,
        )
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def serve(self, host: str, port: int) -> int:
        """Expose /metrics on host:port (0: a free port); return the port."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        self._server, self._thread = server, thread
        return int(server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
