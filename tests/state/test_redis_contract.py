"""The storage seam's rules (tests/core/test_state.py) on the Redis backend, against a
real server. (Wired into a sandbox, the Redis store also takes and settles holds in its
job scripts: tests/state/test_coherence.py covers that.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mock_server.redisstate.conn import Conn
from mock_server.redisstate.jobs import RedisStore
from mock_server.redisstate.ledger import RedisLedger
from mock_server.redisstate.schedule import RedisSchedule
from tests.core.test_state import (  # noqa: F401 - collected here for this backend
    Backend,
    test_a_transition_is_decided_once,
    test_active_and_unfinished_follow_the_states,
    test_holds_are_checked_and_settled_to_the_cent,
    test_insert_refuses_a_taken_id,
    test_poll_counts_add_up_only_for_the_owner_and_stop_at_the_end,
    test_queue_rank_counts_queued_jobs_of_the_model_ahead,
    test_states_only_move_forward,
    test_the_schedule_hands_out_each_due_entry_once,
    test_update_changes_only_the_allowed_fields,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def backend(redis_url: str) -> AsyncIterator[Backend]:
    conn = Conn(redis_url)
    yield Backend(RedisStore(conn), RedisLedger(conn), RedisSchedule(conn))
    await conn.aclose()
    conn.close()
