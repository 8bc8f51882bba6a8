import { graphql } from '@tradegraph/client';
import { useClient, useGql, useInvalidate, useSession } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { ErrorBox, Loading } from '../ui.tsx';

const ProductsQuery = graphql(`
  query DashboardProducts($filter: ProductFilter, $first: Int) {
    products(filter: $filter, first: $first) {
      totalCount
      nodes { id name status variants { id sku msrp { amount currencyCode } } }
    }
  }
`);
const CreateProduct = graphql(`
  mutation DashboardCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) { product { id } userErrors { field message code } }
  }
`);
const UpdateProduct = graphql(`
  mutation DashboardUpdateProduct($input: UpdateProductInput!) {
    updateProduct(input: $input) { product { id name } userErrors { field message code } }
  }
`);
const PublishProduct = graphql(`
  mutation DashboardPublishProduct($input: PublishProductInput!) {
    publishProduct(input: $input) { product { id status } userErrors { field message code } }
  }
`);

export function Catalog() {
  const session = useSession();
  const client = useClient();
  const invalidate = useInvalidate();
  const q = useGql(ProductsQuery, { filter: { brandId: session?.organization?.id ?? null }, first: 50 });
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const sku = String(f.get('sku'));
    const r = await client.request(CreateProduct, {
      input: {
        name: String(f.get('name')),
        variants: [{ sku, options: [], msrp: { amount: String(f.get('msrp')), currencyCode: 'EUR' } }],
      },
    });
    setError(r.createProduct.userErrors[0]?.message ?? null);
    if (r.createProduct.product) form.reset();
    invalidate(ProductsQuery);
  };
  return (
    <section>
      <h1>Catalog</h1>
      <form onSubmit={create} className="inline-form" aria-label="New product">
        <label htmlFor="p-name">Name</label>
        <input id="p-name" name="name" required />
        <label htmlFor="p-sku">SKU</label>
        <input id="p-sku" name="sku" required />
        <label htmlFor="p-msrp">MSRP (EUR)</label>
        <input id="p-msrp" name="msrp" required inputMode="decimal" pattern="\d+(\.\d{1,2})?" />
        <button type="submit">Create draft</button>
      </form>
      {error && <ErrorBox>{error}</ErrorBox>}
      {q.isPending && <Loading />}
      {q.error && <ErrorBox error={q.error} />}
      {q.data && (
        <table className="table">
          <caption>{q.data.products.totalCount} products</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Variants</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {q.data.products.nodes.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>
                  <span className={`pill ${p.status === 'ACTIVE' ? 'CONFIRMED' : 'PENDING'}`}>
                    {p.status}
                  </span>
                </td>
                <td>{p.variants.length}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={async () => {
                      const name = window.prompt('New name', p.name);
                      if (!name) return;
                      await client.request(UpdateProduct, { input: { id: p.id, name } });
                      invalidate(ProductsQuery);
                    }}
                  >
                    Rename
                  </button>{' '}
                  {p.status === 'DRAFT' && (
                    <button
                      type="button"
                      onClick={async () => {
                        const r = await client.request(PublishProduct, { input: { id: p.id } });
                        setError(r.publishProduct.userErrors[0]?.message ?? null);
                        invalidate(ProductsQuery);
                      }}
                    >
                      Publish
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
