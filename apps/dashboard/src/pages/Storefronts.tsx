import { graphql } from '@tradegraph/client';
import { useClient, useGql, useInvalidate } from '@tradegraph/client/react';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

const StorefrontsQuery = graphql(`
  query DashboardStorefronts {
    myStorefronts(first: 20) {
      nodes {
        id
        name
        slug
        published
        currencyCode
        defaultMarkupPercent
        listings(first: 10, filter: { includeHidden: true }) {
          totalCount
          nodes { id title available price { amount currencyCode } }
        }
      }
    }
  }
`);
const Publish = graphql(`
  mutation DashboardPublishStorefront($input: PublishStorefrontInput!) {
    publishStorefront(input: $input) { storefront { id published } userErrors { message } }
  }
`);
const Unpublish = graphql(`
  mutation DashboardUnpublishStorefront($input: UnpublishStorefrontInput!) {
    unpublishStorefront(input: $input) { storefront { id published } userErrors { message } }
  }
`);

export function Storefronts() {
  const q = useGql(StorefrontsQuery, {});
  const client = useClient();
  const invalidate = useInvalidate();
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  return (
    <section>
      <h1>Storefronts and listings</h1>
      {q.data.myStorefronts.nodes.map((s) => (
        <article key={s.id} className="panel">
          <h2>
            {s.name} <span className="muted">/{s.slug}</span>{' '}
            <span className={`pill ${s.published ? 'CONFIRMED' : 'PENDING'}`}>
              {s.published ? 'Published' : 'Draft'}
            </span>
          </h2>
          <p>
            {s.currencyCode} · default markup {s.defaultMarkupPercent} % · {s.listings.totalCount} listings{' '}
            <button
              type="button"
              onClick={async () => {
                if (s.published) await client.request(Unpublish, { input: { id: s.id } });
                else await client.request(Publish, { input: { id: s.id } });
                invalidate(StorefrontsQuery);
              }}
            >
              {s.published ? 'Unpublish' : 'Publish'}
            </button>
          </p>
          <ul>
            {s.listings.nodes.map((l) => (
              <li key={l.id}>
                {l.title} — {formatMoney(l.price)} {l.available ? '' : '(out of stock)'}
              </li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  );
}
