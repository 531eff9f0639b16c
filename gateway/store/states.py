"""The job life cycle as data: the states, the legal moves between them, and which states need a worker.

Kept apart from the SQL so the table can be read (and tested) on its own: every state change anywhere in the
store goes through `check_transition`, so an impossible move (a fax sent twice, a purged job revived) is a
`IllegalTransition` error before anything is written.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.errors import StoreError


class JobState(StrEnum):
    RECEIVED = "received"
    CHECKED = "checked"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    RENDERING = "rendering"
    QUEUED = "queued"
    SENDING = "sending"
    SENT_UNCONFIRMED = "sent_unconfirmed"
    AWAITING_NOTICE = "awaiting_notice"  # in doubt after a crash: wait for the notice, never resend blindly
    RETRY_WAIT = "retry_wait"
    DELIVERED = "delivered"
    ARCHIVED = "archived"
    FAILED = "failed"  # final for transmission; the sender is still told, then the job is purged
    NOTIFIED = "notified"
    PURGED = "purged"


class Outcome(StrEnum):
    """How a job ended, kept after the purge so `status` can count failures."""

    DELIVERED = "delivered"
    REJECTED = "rejected"
    FAILED = "failed"


S = JobState

TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    S.RECEIVED: frozenset({S.CHECKED}),
    S.CHECKED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.REJECTED: frozenset({S.NOTIFIED}),
    S.ACCEPTED: frozenset({S.RENDERING}),
    S.RENDERING: frozenset({S.QUEUED, S.FAILED}),
    S.QUEUED: frozenset({S.SENDING, S.FAILED}),
    S.SENDING: frozenset({S.SENT_UNCONFIRMED, S.AWAITING_NOTICE, S.RETRY_WAIT, S.FAILED}),
    S.SENT_UNCONFIRMED: frozenset({S.DELIVERED, S.RETRY_WAIT, S.FAILED}),
    S.AWAITING_NOTICE: frozenset({S.DELIVERED, S.RETRY_WAIT, S.FAILED}),
    # a late "delivered" notice still closes a job waiting for its retry: no second fax
    S.RETRY_WAIT: frozenset({S.SENDING, S.DELIVERED, S.FAILED}),
    S.DELIVERED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.NOTIFIED}),
    S.FAILED: frozenset({S.NOTIFIED}),
    S.NOTIFIED: frozenset({S.PURGED}),
    S.PURGED: frozenset(),
}

# States in which a worker has something to do; `claim_next` hands out only these.
# SENDING is absent on purpose: a job found there without a live lease is in doubt (see reconcile).
CLAIMABLE: frozenset[JobState] = frozenset(
    {
        S.RECEIVED,
        S.CHECKED,
        S.ACCEPTED,
        S.RENDERING,
        S.QUEUED,
        S.RETRY_WAIT,
        S.DELIVERED,
        S.ARCHIVED,
        S.REJECTED,
        S.FAILED,
    }
)

# Not finished from the sender's point of view: counted as pending and alerted on when too old.
OPEN: frozenset[JobState] = frozenset(set(JobState) - {S.NOTIFIED, S.PURGED})

OUTCOME_OF: dict[JobState, Outcome] = {
    S.DELIVERED: Outcome.DELIVERED,
    S.REJECTED: Outcome.REJECTED,
    S.FAILED: Outcome.FAILED,
}


class IllegalTransition(StoreError):
    """A state change the life cycle does not allow (the job is left as it was)."""

    def __init__(self, job_id: str, current: JobState, wanted: JobState) -> None:
        super().__init__(f"job {job_id}: {current.value} -> {wanted.value} is not allowed")
        self.job_id = job_id
        self.current = current
        self.wanted = wanted


def is_legal(current: JobState, wanted: JobState) -> bool:
    return wanted in TRANSITIONS[current]


def check_transition(job_id: str, current: JobState, wanted: JobState) -> None:
    if not is_legal(current, wanted):
        raise IllegalTransition(job_id, current, wanted)
