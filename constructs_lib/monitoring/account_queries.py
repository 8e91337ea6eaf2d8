"""Account-wide Metrics Insights alarms of several ``TracingAlarms`` in one account and Region of an app.

An account-wide query (``QueryScope.ACCOUNT``) watches every resource of its kind in the account and Region, so
two ``TracingAlarms`` that both make one (one per stack, say) raise the same alarm twice, and the SQS age query of
one also watches the dead-letter queues that the other monitors, whose messages wait until someone redrives them.
Each ``TracingAlarms`` records what it made at synthesis; the later of two in the same account and Region warns,
on itself, about both (the earlier cannot know the later one yet, and in another Stage its warnings would already
be written), once per ``TracingAlarms`` and kind:

- ``accountQueriesRepeated``: the same account-wide alarms (of the same alarm types) twice;
- ``dlqInOtherAgeQuery``: an age query that covers dead-letter queues the other monitors and it does not.

Environment-agnostic stacks count as one account and Region (they deploy where the CLI points).

Example::

    from constructs_lib.monitoring.account_queries import AccountQueries, AccountQueryUse

    AccountQueries.record(app_key="app-ref", use=AccountQueryUse(
        owner=stack, path="S/Alarms", environment=("111111111111", "eu-west-1"),
        account_types=frozenset({AlarmType.LAMBDA_ERRORS, AlarmType.QUEUE_MESSAGE_AGE}),
        dead_letter_paths=("S/Dlq",)))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from constructs import IConstruct

from .._validation import warn
from .specs import AlarmType

__all__ = ["AccountQueries", "AccountQueryUse"]


@dataclass(frozen=True)
class AccountQueryUse:
    """What one ``TracingAlarms`` made at synthesis, as far as other ones in its account and Region care.

    :param environment: ``(account, region)``, ``None`` for either that is only known at deploy time.
    :param account_types: the alarm types it made one account-wide Metrics Insights alarm of (empty for a
        ``TracingAlarms`` per resource or with ``QueryScope.APP``: those are recorded for their dead-letter queues).
    :param dead_letter_paths: the dead-letter queues it monitors (construct paths).
    """

    owner: IConstruct
    path: str
    environment: tuple[str | None, str | None]
    account_types: frozenset[AlarmType]
    dead_letter_paths: tuple[str, ...]

    @property
    def age_query(self) -> bool:
        """Whether it made the account-wide SQS age-of-oldest-message query."""
        return AlarmType.QUEUE_MESSAGE_AGE in self.account_types


class AccountQueries:
    """The uses recorded per app, and the warnings between two of them."""

    _apps: ClassVar[dict[str, list[AccountQueryUse]]] = {}  # by the app's jsii reference
    _warned: ClassVar[set[tuple[str, str, str]]] = set()  # (app, TracingAlarms path, code): one warning each

    @classmethod
    def record(cls, *, app_key: str, use: AccountQueryUse) -> None:
        """Record ``use`` and warn about it and the earlier uses in the same account and Region, at most once per
        ``TracingAlarms`` and kind of warning. Idempotent."""
        uses = cls._apps.setdefault(app_key, [])
        if any(u.path == use.path for u in uses):
            return
        for other in uses:
            if other.environment != use.environment:
                continue
            shared = use.account_types & other.account_types
            if shared and cls._first(app_key, use, "accountQueriesRepeated"):
                names = ", ".join(sorted(t.name for t in shared))
                warn(use.owner, "accountQueriesRepeated",
                     f"TracingAlarms '{use.path}' makes the same account-wide Metrics Insights alarms as "
                     f"'{other.path}' ({names}; {_where(use.environment)}): every breach sets off both, and both "
                     "are billed. Keep QueryScope.ACCOUNT on one TracingAlarms per account and Region and give the "
                     "others query_scope=QueryScope.APP.")
            for watcher, monitor in ((use, other), (other, use)):
                missed = [p for p in monitor.dead_letter_paths if p not in watcher.dead_letter_paths]
                if watcher.age_query and missed and cls._first(app_key, watcher, "dlqInOtherAgeQuery"):
                    _warn_dead_letters(use.owner, watcher, monitor.path, missed)
        uses.append(use)

    @classmethod
    def _first(cls, app_key: str, use: AccountQueryUse, code: str) -> bool:
        key = (app_key, use.path, code)
        if key in cls._warned:
            return False
        cls._warned.add(key)
        return True


def _warn_dead_letters(on: IConstruct, watcher: AccountQueryUse, monitor_path: str, missed: list[str]) -> None:
    warn(on, "dlqInOtherAgeQuery",
         f"The account-wide SQS age query of TracingAlarms '{watcher.path}' also watches dead-letter queues that "
         f"other TracingAlarms monitor ({len(missed)} of '{monitor_path}', first: {missed[0]}): "
         "messages wait there until they are redriven, so its age alarm fires with them. Give it "
         "query_scope=QueryScope.APP (its age alarms then watch its own queues) or turn that alarm off there "
         "(defaults={AlarmType.QUEUE_MESSAGE_AGE: AlarmOverride(enabled=False)}).")


def _where(environment: tuple[str | None, str | None]) -> str:
    account, region = environment
    return f"account {account or '(known at deploy time)'}, Region {region or '(known at deploy time)'}"
