import { type ConnectionScope, graphql } from '@tradegraph/client';
import { useClient, useGql, useInvalidate, useSession } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { ErrorBox, Loading } from '../ui.tsx';

const ConnectionsQuery = graphql(`
  query DashboardConnections {
    connections(first: 100) {
      nodes { id status scopes createdAt requester { id name kind } partner { id name kind } }
    }
    organizations(first: 100) { nodes { id name kind } }
  }
`);
const Request = graphql(`
  mutation DashboardRequestConnection($input: RequestConnectionInput!) {
    requestConnection(input: $input) { connection { id } userErrors { message } }
  }
`);
const Respond = graphql(`
  mutation DashboardRespondToConnection($input: RespondToConnectionInput!) {
    respondToConnection(input: $input) { connection { id status } userErrors { message } }
  }
`);
const Revoke = graphql(`
  mutation DashboardRevokeConnection($input: RevokeConnectionInput!) {
    revokeConnection(input: $input) { connection { id status } userErrors { message } }
  }
`);

export function Connections() {
  const q = useGql(ConnectionsQuery, {});
  const me = useSession()?.organization?.id;
  const client = useClient();
  const invalidate = useInvalidate();
  const [error, setError] = useState<string | null>(null);
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const act = async (p: Promise<{ userErrors: { message: string }[] }>) => {
    setError((await p).userErrors[0]?.message ?? null);
    invalidate(ConnectionsQuery);
  };
  const request = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const scopes = f.getAll('scope') as ConnectionScope[];
    void act(
      client
        .request(Request, { input: { partnerId: String(f.get('partner')), scopes } })
        .then((r) => r.requestConnection),
    );
  };
  return (
    <section>
      <h1>Partner connections</h1>
      <form onSubmit={request} className="inline-form" aria-label="Request a connection">
        <label htmlFor="partner">Partner</label>
        <select id="partner" name="partner" required>
          {q.data.organizations.nodes
            .filter((o) => o.id !== me)
            .map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.kind})
              </option>
            ))}
        </select>
        {(['CATALOG_READ', 'SELL_PRODUCTS', 'FULFILL_ORDERS'] as const).map((s) => (
          <span key={s} className="field check">
            <input type="checkbox" id={`scope-${s}`} name="scope" value={s} />
            <label htmlFor={`scope-${s}`}>{s}</label>
          </span>
        ))}
        <button type="submit">Request</button>
      </form>
      {error && <ErrorBox>{error}</ErrorBox>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Partner</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {q.data.connections.nodes.map((c) => {
            const other = c.requester.id === me ? c.partner : c.requester;
            const incoming = c.partner.id === me;
            return (
              <tr key={c.id}>
                <td>
                  {other.name} <span className="muted">({other.kind})</span>
                </td>
                <td>{c.scopes.join(', ')}</td>
                <td>{c.status}</td>
                <td>
                  {c.status === 'PENDING' && incoming && (
                    <>
                      <button
                        type="button"
                        onClick={() =>
                          act(
                            client
                              .request(Respond, { input: { connectionId: c.id, accept: true } })
                              .then((r) => r.respondToConnection),
                          )
                        }
                      >
                        Accept
                      </button>{' '}
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          act(
                            client
                              .request(Respond, { input: { connectionId: c.id, accept: false } })
                              .then((r) => r.respondToConnection),
                          )
                        }
                      >
                        Decline
                      </button>
                    </>
                  )}
                  {c.status === 'ACTIVE' && (
                    <button
                      type="button"
                      className="link"
                      onClick={() =>
                        act(
                          client
                            .request(Revoke, { input: { connectionId: c.id } })
                            .then((r) => r.revokeConnection),
                        )
                      }
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
