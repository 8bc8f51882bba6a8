import { graphql } from '@tradegraph/client';
import { useClient, useGql, useInvalidate } from '@tradegraph/client/react';
import { useState } from 'react';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

const OrganizationsQuery = graphql(`
  query DashboardPlatformOrganizations($filter: OrganizationSearchFilter) {
    searchOrganizations(filter: $filter, first: 100) {
      totalCount
      nodes { id name kind status suspendedReason createdAt }
    }
  }
`);
const Suspend = graphql(`
  mutation DashboardSuspend($input: SuspendOrganizationInput!) {
    suspendOrganization(input: $input) { userErrors { message } }
  }
`);
const Reactivate = graphql(`
  mutation DashboardReactivate($input: ReactivateOrganizationInput!) {
    reactivateOrganization(input: $input) { userErrors { message } }
  }
`);
const AuditQuery = graphql(`
  query DashboardAudit($filter: AuditTrailFilter) {
    auditTrail(filter: $filter, first: 100) {
      nodes { id type aggregateId organizationId actorKind source occurredAt }
    }
  }
`);
const InvoicesQuery = graphql(`
  query DashboardInvoices {
    invoices(first: 100) { nodes { id month organization { name } plan { name } totals { amount currencyCode } issuedAt } }
  }
`);

export function Organizations() {
  const [name, setName] = useState('');
  const q = useGql(OrganizationsQuery, { filter: name ? { nameContains: name } : null });
  const client = useClient();
  const invalidate = useInvalidate();
  const [error, setError] = useState<string | null>(null);
  return (
    <section>
      <h1>Organisations</h1>
      <div className="inline-form">
        <label htmlFor="org-search">Name contains</label>
        <input id="org-search" type="search" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      {error && <ErrorBox>{error}</ErrorBox>}
      {q.isPending && <Loading />}
      {q.error && <ErrorBox error={q.error} />}
      {q.data && (
        <table className="table">
          <caption>{q.data.searchOrganizations.totalCount} organisations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {q.data.searchOrganizations.nodes.map((o) => (
              <tr key={o.id}>
                <td>{o.name}</td>
                <td>{o.kind}</td>
                <td>
                  {o.status}
                  {o.suspendedReason && <span className="muted"> — {o.suspendedReason}</span>}
                </td>
                <td>
                  {o.kind !== 'PLATFORM' && (
                    <button
                      type="button"
                      onClick={async () => {
                        if (o.status === 'SUSPENDED') {
                          const r = await client.request(Reactivate, { input: { organizationId: o.id } });
                          setError(r.reactivateOrganization.userErrors[0]?.message ?? null);
                        } else {
                          const reason = window.prompt(`Why suspend ${o.name}?`);
                          if (!reason) return;
                          const r = await client.request(Suspend, {
                            input: { organizationId: o.id, reason },
                          });
                          setError(r.suspendOrganization.userErrors[0]?.message ?? null);
                        }
                        invalidate(OrganizationsQuery);
                      }}
                    >
                      {o.status === 'SUSPENDED' ? 'Reactivate' : 'Suspend'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Audit() {
  const [type, setType] = useState('');
  const q = useGql(AuditQuery, { filter: type ? { type } : null });
  return (
    <section>
      <h1>Audit trail</h1>
      <div className="inline-form">
        <label htmlFor="audit-type">Event type</label>
        <input
          id="audit-type"
          value={type}
          onChange={(e) => setType(e.target.value)}
          placeholder="orders.order.placed"
        />
      </div>
      {q.isPending && <Loading />}
      {q.error && <ErrorBox error={q.error} />}
      {q.data && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Aggregate</th>
              <th scope="col">Actor</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {q.data.auditTrail.nodes.map((a) => (
              <tr key={a.id}>
                <td>
                  <time dateTime={a.occurredAt}>{new Date(a.occurredAt).toLocaleString()}</time>
                </td>
                <td>{a.type}</td>
                <td>{a.aggregateId}</td>
                <td>{a.actorKind}</td>
                <td>{a.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Invoices() {
  const q = useGql(InvoicesQuery, {});
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  return (
    <section>
      <h1>Invoices</h1>
      {q.data.invoices.nodes.length === 0 && <p>No invoices issued yet.</p>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col">Organisation</th>
            <th scope="col">Plan</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {q.data.invoices.nodes.map((i) => (
            <tr key={i.id}>
              <td>{i.month}</td>
              <td>{i.organization.name}</td>
              <td>{i.plan.name}</td>
              <td>{i.totals.map((t) => formatMoney(t)).join(' + ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
