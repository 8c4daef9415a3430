"""Routes of the exchanges domain, collected from its page and API modules, and their service providers."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from backend.exchanges.api import ExchangesPublicApi, ExchangesStaffApi
from backend.exchanges.evaluation import EvaluationService
from backend.exchanges.intake import IntakeService
from backend.exchanges.pairing import PairingService
from backend.exchanges.resident_pages import RequestLink, RequestSteps, TopicPages
from backend.exchanges.sessions import SessionsService
from backend.exchanges.setup import SetupService
from backend.exchanges.slot_changes import SlotChangesService
from backend.exchanges.staff_pages import FacilitatorExchanges, OfficerExchanges


def provide_setup(state: State) -> SetupService:
    """Topics, slots, leaders."""
    return SetupService(state["settings"], state["clock"], state["engine"])


def provide_intake(state: State) -> IntakeService:
    """Residents' requests."""
    return IntakeService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_pairing(state: State) -> PairingService:
    """Matching, leader bookings, cancellations."""
    return PairingService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_slot_changes(state: State) -> SlotChangesService:
    """Officers' changes to a session (editing and cancelling it)."""
    return SlotChangesService(provide_pairing(state), state["engine"])


def provide_sessions(state: State) -> SessionsService:
    """Attendance and questionnaires."""
    return SessionsService(state["settings"], state["clock"], state["engine"])


def provide_evaluation(state: State) -> EvaluationService:
    """The dashboard, export and retention."""
    return EvaluationService(state["settings"], state["clock"], state["engine"])


ROUTE_HANDLERS: list[Any] = [
    TopicPages,
    RequestSteps,
    RequestLink,
    OfficerExchanges,
    FacilitatorExchanges,
    ExchangesPublicApi,
    ExchangesStaffApi,
]
DEPENDENCIES: dict[str, Provide] = {
    "exchange_setup": Provide(provide_setup, sync_to_thread=False),
    "exchange_intake": Provide(provide_intake, sync_to_thread=False),
    "exchange_pairing": Provide(provide_pairing, sync_to_thread=False),
    "exchange_slot_changes": Provide(provide_slot_changes, sync_to_thread=False),
    "exchange_sessions": Provide(provide_sessions, sync_to_thread=False),
    "exchange_evaluation": Provide(provide_evaluation, sync_to_thread=False),
}
