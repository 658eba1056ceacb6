"""The control API's route table: ``(method, path, operation)``, each operation named by
the area class that implements it (clock, jobs, faults, accounts, records). Every
operation runs behind the admin check and renders its errors as ``{"error", "message"}``
(:func:`mock_server.control.http.endpoint`)."""

from __future__ import annotations

from starlette.routing import Route

from mock_server.control.accounts_api import AccountsApi
from mock_server.control.clock_api import ClockApi
from mock_server.control.faults_api import FaultsApi
from mock_server.control.http import endpoint
from mock_server.control.jobs_api import JobsApi
from mock_server.control.plane import ControlPlane
from mock_server.control.records_api import RecordsApi
from mock_server.http.routing import Operation, route_table

__all__ = ["ROUTES", "ControlApi", "routes"]


class ControlApi(ClockApi, JobsApi, FaultsApi, AccountsApi, RecordsApi):
    """The whole control API over one plane: every area's operations."""


ROUTES: list[tuple[str, str, Operation[ControlApi]]] = [
    ("GET", "/_emulator/clock", ClockApi.get_clock),
    ("POST", "/_emulator/clock/advance", ClockApi.advance_clock),
    ("POST", "/_emulator/clock/set", ClockApi.set_time),
    ("POST", "/_emulator/clock/speed", ClockApi.set_speed),
    ("GET", "/_emulator/progression", ClockApi.get_progression),
    ("PUT", "/_emulator/progression", ClockApi.set_progression),
    ("POST", "/_emulator/reset", ClockApi.reset),
    ("POST", "/_emulator/seed", ClockApi.seed),
    ("GET", "/_emulator/jobs", JobsApi.list_jobs),
    ("GET", "/_emulator/jobs/{job_id}", JobsApi.get_job),
    ("POST", "/_emulator/jobs/{job_id}/complete", JobsApi.complete_job),
    ("POST", "/_emulator/jobs/{job_id}/fail", JobsApi.fail_job),
    ("POST", "/_emulator/jobs/{job_id}/fault", JobsApi.plant_fault),
    ("GET", "/_emulator/faults", FaultsApi.get_faults),
    ("DELETE", "/_emulator/faults", FaultsApi.clear_faults),
    ("POST", "/_emulator/faults/script", FaultsApi.script_faults),
    ("PUT", "/_emulator/faults/chaos", FaultsApi.set_chaos),
    ("POST", "/_emulator/faults/arm", FaultsApi.arm_fault),
    ("PUT", "/_emulator/faults/webhooks", FaultsApi.set_webhook_faults),
    ("GET", "/_emulator/ledger", AccountsApi.get_ledger),
    ("GET", "/_emulator/tenants", AccountsApi.list_tenants),
    ("POST", "/_emulator/balances", AccountsApi.set_balance),
    ("GET", "/_emulator/settings", AccountsApi.get_settings),
    ("PUT", "/_emulator/settings", AccountsApi.set_settings),
    ("GET", "/_emulator/journal", RecordsApi.get_journal),
    ("DELETE", "/_emulator/journal", RecordsApi.clear_journal),
    ("GET", "/_emulator/webhooks", RecordsApi.list_webhooks),
    ("GET", "/_emulator/models", RecordsApi.list_models),
]


def routes(plane: ControlPlane) -> list[Route]:
    """The control API's routes, behind the admin check."""
    return route_table(ControlApi(plane), ROUTES, endpoint(plane.emu))
