"""Jobs under any interleaving of submits, reads, cancels and moving time (emulators only).

A Hypothesis state machine submits jobs of every catalog model (with clock or poll
progression of random lengths), moves the clock, reads jobs and cancels RunComfy ones,
in any order. After every read: a finished job never changes, states never go back,
Runware's progress only grows and RunComfy's queue position only shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from mock_server.core.catalog import Catalog, ModelOffer
from tests.contract_suite.apis import RunComfyApi, RunwareApi, Seen, assert_moves_only_forward
from tests.contract_suite.budget import cheapest
from tests.contract_suite.target import Target
from tests.contract_suite.test_lifecycle import runcomfy_body, runware_task

progressions = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.just("clock"),
            "queue_seconds": st.integers(0, 40),
            "run_seconds": st.integers(0, 60),
            "run_seconds_per_video_second": st.just(0),
        }
    ),
    st.fixed_dictionaries(
        {"kind": st.just("polls"), "queue_polls": st.integers(0, 3), "run_polls": st.integers(0, 3)}
    ),
)


@dataclass
class Job:
    offer: ModelOffer
    id: str
    reads: list[Seen] = field(default_factory=list)


def make_machine(
    target: Target, runware: RunwareApi, runcomfy: RunComfyApi, offers: list[ModelOffer]
) -> type[RuleBasedStateMachine]:
    class Jobs(RuleBasedStateMachine):
        jobs = Bundle("jobs")

        def __init__(self) -> None:
            super().__init__()
            self.live: list[Job] = []

        @rule(target=jobs, offer=st.sampled_from(offers), timing=progressions)
        def submit(self, offer: ModelOffer, timing: dict[str, object]) -> Job:
            size, seconds, _ = cheapest(offer)
            with target.progression(**timing):
                if offer.provider == "runware":
                    job_id = runware.submit_ok(runware_task(offer, size, seconds))
                else:
                    body = runcomfy_body(offer, size, seconds)
                    job_id = runcomfy.submit_ok(offer.model_id, body)
            job = Job(offer, job_id)
            self.live.append(job)
            return job

        @rule(seconds=st.sampled_from([1, 5, 15, 30, 60]))
        def advance(self, seconds: int) -> None:
            target.advance(seconds)

        @rule(job=jobs)
        def read(self, job: Job) -> None:
            api = runware if job.offer.provider == "runware" else runcomfy
            job.reads.append(api.status(job.id))
            assert_moves_only_forward(job.reads)

        @rule(job=jobs)
        def cancel(self, job: Job) -> None:
            if job.offer.provider != "runcomfy":
                return  # Runware has no cancel
            before = runcomfy.status(job.id)
            job.reads.append(before)
            answer = runcomfy.cancel(job.id).json()
            expected = (
                "cancelled" if before.state in ("in_queue", "cancelled") else "not_cancellable"
            )
            assert answer["outcome"] == expected, (before.state, answer)
            job.reads.append(runcomfy.status(job.id))
            assert_moves_only_forward(job.reads)

        def teardown(self) -> None:
            for job in self.live:
                target.discard(job.id)

    return Jobs


def test_jobs_only_move_forward_whatever_happens(
    target: Target,
    runware: RunwareApi,
    runcomfy: RunComfyApi,
    catalog: Catalog,
    emulator_only: None,
) -> None:
    machine = make_machine(target, runware, runcomfy, list(catalog))
    examples = max(5, settings.default.max_examples // 2)
    run_state_machine_as_test(
        machine, settings=settings(max_examples=examples, stateful_step_count=12)
    )
