"""The gateway service (`ordofax serve`): SMTP in, durable jobs, relays out, notices, purge.

Modules: `listener` (aiosmtpd, recipient policy, durable receive, provider notices), `processor` (one job's
steps), `app` (the `Service`: workers, sweeper, recovery, shutdown), `metrics` (Prometheus), `logs` (JSON
lines with job ids and rule codes only), `standins` (the loopback stand-ins the demo, tests and benchmark run
the service against).
"""
