"""Routes for customers (search, create or update from a CRM record, record with journey and
timeline, identities, merge and unmerge) and the interval report figures the /reports page draws. Every read of a customer
record is journaled with its user (`customer.search`, `customer.read`)."""

from __future__ import annotations

from calldesk.auth import User
from calldesk.service.errors import Invalid
from calldesk.web.api import STAFF, Api
from calldesk.web.models_customers import (
    CustomerBody,
    CustomerDetail,
    CustomerOut,
    CustomerQuery,
    CustomersQuery,
    IdentityOut,
    MergeBody,
    MergeResult,
    ReportOut,
    ReportQuery,
    UnmergeResult,
    UpsertResult,
)


def register(api: Api) -> None:
    s = api.web.services

    @api.route("GET", "/api/customers", query=CustomersQuery, response=list[CustomerOut])
    def customers(user: User, query: CustomersQuery) -> list:
        """Customers an id, an identity (or its prefix) or a name finds; empty `q`: none."""
        return s.customers.search(user, query.q, query.limit)

    @api.route("POST", "/api/customers", roles=STAFF, body=CustomerBody, response=UpsertResult)
    def customer_upsert(user: User, body: CustomerBody) -> dict:
        """Create or update a customer from a CRM record: its id, name, fields and identities
        (verified when the CRM vouches for them); identities resolve like an interaction's."""
        return s.customers.upsert(user, body.model_dump())

    @api.route(
        "GET",
        "/api/customers/{id}",
        query=CustomerQuery,
        response=CustomerDetail,
        statuses=(404, 409),
    )
    def customer(user: User, id: str, query: CustomerQuery) -> dict:
        """The record, its merges, the timeline on every medium and the journeys' outcomes."""
        return s.customers.get(user, id, query.limit)

    @api.route(
        "GET",
        "/api/customers/{id}/identities",
        response=list[IdentityOut],
        statuses=(404, 409),
    )
    def customer_identities(user: User, id: str) -> list:
        """Phone, email, chat token, account… each verified or not."""
        return s.customers.identities(user, id)

    @api.route(
        "POST",
        "/api/customers/{id}/merge",
        roles=STAFF,
        body=MergeBody,
        response=MergeResult,
        statuses=(404, 409),
    )
    def customer_merge(user: User, id: str, body: MergeBody) -> dict:
        """Merge `absorbed` into this customer (journaled; can be undone)."""
        return s.customers.merge(user, id, body.absorbed)

    @api.route(
        "POST",
        "/api/customers/merges/{merge}/undo",
        roles=STAFF,
        response=UnmergeResult,
        statuses=(404, 409),
    )
    def customer_unmerge(user: User, merge: str) -> dict:
        """Undo a merge: the absorbed customer gets back what it moved."""
        if not merge.isdigit():
            raise Invalid("merge", "a merge number")
        return s.customers.unmerge(user, int(merge))

    @api.route("GET", "/api/reports/interval", roles=STAFF, query=ReportQuery, response=ReportOut)
    def report_interval(user: User, query: ReportQuery) -> dict:
        """Offered, answered, abandoned, service level, ASA, AHT, FCR per interval (and per
        `by`: queue, medium, agent) from the report facts; a supervisor sees their teams' queues."""
        return s.reports.interval(user, query.from_, query.to, query.step, query.by)
