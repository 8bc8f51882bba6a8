import { keepPreviousData } from '@tanstack/react-query';
import { graphql, type ListingSort } from '@tradegraph/client';
import { useGql } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorBox, formatMoney, Loading, ProductImage } from '../ui.tsx';

const ListingsQuery = graphql(`
  query StorefrontListings($slug: String!, $filter: ListingFilter, $sort: ListingSort, $first: Int, $after: String) {
    storefront(slug: $slug) {
      id
      listings(filter: $filter, sort: $sort, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          title
          available
          price { amount currencyCode }
          variant { id options { name value } product { id name brand { id name } } }
        }
      }
    }
  }
`);

const BrandsQuery = graphql(`
  query StorefrontBrands {
    organizations(filter: { kind: BRAND }, first: 50) { nodes { id name } }
  }
`);

const SORTS: { value: ListingSort; label: string }[] = [
  { value: 'NEWEST', label: 'Newest' },
  { value: 'PRICE_ASC', label: 'Price: low to high' },
  { value: 'PRICE_DESC', label: 'Price: high to low' },
  { value: 'TITLE', label: 'Name' },
];
const PAGE = 24;

export function Browse() {
  const { slug = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const [cursors, setCursors] = useState<string[]>([]); // the `after` of each earlier page
  const search = params.get('q') ?? '';
  const brandId = params.get('brand') ?? '';
  const min = params.get('min') ?? '';
  const max = params.get('max') ?? '';
  const inStock = params.get('instock') === '1';
  const sort = (params.get('sort') as ListingSort | null) ?? 'NEWEST';
  const after = params.get('after');
  const filter = {
    ...(search ? { search } : {}),
    ...(brandId ? { brandId } : {}),
    ...(min ? { priceMin: min } : {}),
    ...(max ? { priceMax: max } : {}),
    ...(inStock ? { available: true } : {}),
  };
  const q = useGql(
    ListingsQuery,
    { slug, filter, sort, first: PAGE, after },
    { placeholderData: keepPreviousData },
  );
  const brands = useGql(BrandsQuery, {}, { staleTime: 300_000 });

  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const k of ['q', 'brand', 'min', 'max', 'sort']) {
      const v = String(f.get(k) ?? '').trim();
      if (v) next.set(k, v);
    }
    if (f.get('instock')) next.set('instock', '1');
    setCursors([]);
    setParams(next);
  };
  const page = (cursor: string | null, back: boolean) => {
    const next = new URLSearchParams(params);
    if (cursor) next.set('after', cursor);
    else next.delete('after');
    setCursors((c) => (back ? c.slice(0, -1) : [...c, after ?? '']));
    setParams(next);
  };

  const conn = q.data?.storefront?.listings;
  return (
    <div className="browse">
      <form className="filters" onSubmit={apply} aria-label="Filter products" key={params.toString()}>
        <div className="field">
          <label htmlFor="f-q">Search</label>
          <input id="f-q" name="q" type="search" defaultValue={search} />
        </div>
        <div className="field">
          <label htmlFor="f-brand">Brand</label>
          <select id="f-brand" name="brand" defaultValue={brandId}>
            <option value="">All brands</option>
            {brands.data?.organizations.nodes.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field price">
          <legend>Price</legend>
          <label htmlFor="f-min">Minimum</label>
          <input id="f-min" name="min" inputMode="decimal" pattern="\d+(\.\d{1,2})?" defaultValue={min} />
          <label htmlFor="f-max">Maximum</label>
          <input id="f-max" name="max" inputMode="decimal" pattern="\d+(\.\d{1,2})?" defaultValue={max} />
        </fieldset>
        <div className="field check">
          <input id="f-stock" name="instock" type="checkbox" defaultChecked={inStock} />
          <label htmlFor="f-stock">In stock only</label>
        </div>
        <div className="field">
          <label htmlFor="f-sort">Sort by</label>
          <select id="f-sort" name="sort" defaultValue={sort}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Apply</button>
      </form>
      <section aria-labelledby="results" className="results">
        <h1 id="results">
          Products{' '}
          {conn && (
            <span className="muted" data-testid="result-count">
              ({conn.totalCount})
            </span>
          )}
        </h1>
        {q.isPending && <Loading label="Loading products…" />}
        {q.error && <ErrorBox error={q.error} />}
        {conn && conn.nodes.length === 0 && <p>No products match these filters.</p>}
        <ul className="grid" aria-busy={q.isFetching}>
          {conn?.nodes.map((l) => (
            <li key={l.id} className="card">
              <Link to={`/s/${slug}/listings/${l.id}`} className="card-link">
                <ProductImage title={l.title} />
                <span className="card-title">{l.title}</span>
              </Link>
              <span className="muted">{l.variant?.product?.brand.name}</span>
              <span className="price">{formatMoney(l.price)}</span>
              <span className={l.available ? 'stock in' : 'stock out'}>
                {l.available ? 'In stock' : 'Sold out'}
              </span>
            </li>
          ))}
        </ul>
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            disabled={cursors.length === 0}
            onClick={() => page(cursors.at(-1) || null, true)}
          >
            Previous
          </button>
          <button
            type="button"
            disabled={!conn?.pageInfo.hasNextPage}
            onClick={() => page(conn?.pageInfo.endCursor ?? null, false)}
          >
            Next
          </button>
        </nav>
      </section>
    </div>
  );
}
