"""Payments toolset: the organization's accounts (balance, transactions, send, schedule,
refund). Amounts are in `Payments.currency`; money out is positive in the history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import Account, Transaction, WorldState
from ringfence.world.toolsets._common import dump, lookup, next_id, require_limit, require_positive


@tool(
    action=ActionClass.READ,
    scope="payments:read",
    reads="accounts",
    record_argument="account_id",
    scope_target="account_id",
)
def get_balance(state: WorldState, account_id: str) -> dict[str, Any]:
    """Return the balance of one account.

    Args:
        account_id: Id of the account, for example 'ACC-OPS'.
    """
    account = _account(state, account_id)
    return {**dump(account), "currency": state.payments.currency}


@tool(
    action=ActionClass.READ,
    scope="payments:read",
    reads="transactions",
    scope_target="account_id",
)
def list_transactions(state: WorldState, account_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """List the newest transactions of one account, scheduled payments included.

    Args:
        account_id: Id of the account.
        limit: Maximum number of transactions to return, newest first.
    """
    require_limit(limit)
    _account(state, account_id)
    chosen = [t for t in state.payments.transactions if t.account_id == account_id]
    newest = sorted(chosen, key=lambda t: (t.booked_on, t.id), reverse=True)[:limit]
    return [dump(t) for t in newest]


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.CRITICAL,
    scope="payments:send",
    targets=("from_account", "recipient"),
    payload=("reference",),
    scope_target="recipient",
    amount="amount",
)
def send_payment(
    state: WorldState, from_account: str, recipient: str, amount: float, reference: str
) -> dict[str, Any]:
    """Pay money from one of the organization's accounts at once.

    Args:
        from_account: Id of the account to pay from.
        recipient: IBAN, account id or name of the payee.
        amount: Amount to pay, above zero.
        reference: Payment reference the payee sees.
    """
    require_positive(amount)
    account = _account(state, from_account)
    if amount > account.balance:
        raise ToolError(
            f"insufficient funds: {from_account} has {account.balance:.2f}, "
            f"the payment needs {amount:.2f}."
        )
    account.balance = round(account.balance - amount, 2)
    payment = _record(state, from_account, recipient, amount, reference, state.now.date())
    return {"transaction_id": payment.id, "status": "completed", "balance": account.balance}


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.HIGH,
    scope="payments:schedule",
    targets=("from_account", "recipient"),
    payload=("reference",),
    scope_target="recipient",
    amount="amount",
)
def schedule_payment(
    state: WorldState,
    from_account: str,
    recipient: str,
    amount: float,
    execute_on: date,
    reference: str,
) -> dict[str, Any]:
    """Schedule a payment for a later date; the money leaves the account on that date.

    Args:
        from_account: Id of the account to pay from.
        recipient: IBAN, account id or name of the payee.
        amount: Amount to pay, above zero.
        execute_on: Date to pay on (YYYY-MM-DD), after today.
        reference: Payment reference the payee sees.
    """
    require_positive(amount)
    _account(state, from_account)
    if execute_on <= state.now.date():
        raise ToolError(
            f"'execute_on' must be after today ({state.now.date().isoformat()}); use "
            "send_payment to pay now."
        )
    payment = _record(state, from_account, recipient, amount, reference, execute_on, "scheduled")
    return {"transaction_id": payment.id, "status": "scheduled", "execute_on": str(execute_on)}


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.HIGH,
    scope="payments:refund",
    targets=("transaction_id",),
    payload=("reason",),
    scope_target="transaction_id",
    amount="amount",
)
def refund_payment(
    state: WorldState, transaction_id: str, amount: float, reason: str
) -> dict[str, Any]:
    """Pay back all or part of a payment the organization received.

    Args:
        transaction_id: Id of the received payment (a transaction with a negative amount).
        amount: Amount to pay back, above zero and at most what is still unrefunded.
        reason: Why the money is refunded; shown to the payer.
    """
    require_positive(amount)
    original = lookup(
        state.payments.transactions, lambda t: t.id, transaction_id, "transaction with id"
    )
    if original.amount >= 0:
        raise ToolError(
            f"transaction {transaction_id!r} is a payment out; only income is refunded."
        )
    left = round(-original.amount - _refunded(state, transaction_id), 2)
    if amount > left:
        raise ToolError(f"at most {left:.2f} of {transaction_id!r} can still be refunded.")
    account = _account(state, original.account_id)
    if amount > account.balance:
        raise ToolError(f"insufficient funds in {account.id} for a refund of {amount:.2f}.")
    account.balance = round(account.balance - amount, 2)
    refund = _record(
        state,
        account.id,
        original.counterparty,
        amount,
        reason,
        state.now.date(),
        refund_of=transaction_id,
    )
    if round(left - amount, 2) <= 0:
        original.status = "refunded"
    return {"transaction_id": refund.id, "status": "completed", "refunded": amount}


def _account(state: WorldState, account_id: str) -> Account:
    return lookup(state.payments.accounts, lambda a: a.id, account_id, "account with id")


def _refunded(state: WorldState, transaction_id: str) -> float:
    return sum(t.amount for t in state.payments.transactions if t.refund_of == transaction_id)


def _record(
    state: WorldState,
    account_id: str,
    counterparty: str,
    amount: float,
    reference: str,
    booked_on: date,
    status: str = "completed",
    refund_of: str | None = None,
) -> Transaction:
    transaction = Transaction.model_validate(
        {
            "id": next_id("tx", (t.id for t in state.payments.transactions)),
            "account_id": account_id,
            "counterparty": counterparty,
            "amount": round(amount, 2),
            "reference": reference,
            "booked_on": booked_on,
            "status": status,
            "refund_of": refund_of,
        }
    )
    state.payments.transactions.append(transaction)
    return transaction


TOOLSET = Toolset(
    "payments",
    "The organization's bank accounts.",
    [get_balance, list_transactions, send_payment, schedule_payment, refund_payment],
)
