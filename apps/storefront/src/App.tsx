import { graphql } from '@tradegraph/client';
import { appConfig, useClient, useGql, useSession } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, Route, Routes, useNavigate, useParams } from 'react-router';
import { useCart } from './cart.ts';
import { Account } from './pages/Account.tsx';
import { Browse } from './pages/Browse.tsx';
import { CartPage } from './pages/Cart.tsx';
import { Checkout } from './pages/Checkout.tsx';
import { OrderPage } from './pages/Order.tsx';
import { ProductPage } from './pages/Product.tsx';
import { ErrorBox, Loading } from './ui.tsx';

export const StorefrontQuery = graphql(`
  query StorefrontHeader($slug: String!) {
    storefront(slug: $slug) { id name slug description currencyCode retailer { id name } }
  }
`);

export function App() {
  return (
    <Routes>
      <Route path="/" element={<Home />} />
      <Route path="/s/:slug" element={<StorefrontLayout />}>
        <Route index element={<Browse />} />
        <Route path="listings/:listingId" element={<ProductPage />} />
        <Route path="cart" element={<CartPage />} />
        <Route path="checkout" element={<Checkout />} />
        <Route path="orders/:orderId" element={<OrderPage />} />
        <Route path="account" element={<Account />} />
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

function Home() {
  const navigate = useNavigate();
  const [slug, setSlug] = useState(appConfig().defaultStorefront ?? '');
  const go = (e: FormEvent) => {
    e.preventDefault();
    if (slug.trim()) navigate(`/s/${encodeURIComponent(slug.trim())}`);
  };
  return (
    <main className="home">
      <h1>Tradegraph storefronts</h1>
      <p>Every retailer on Tradegraph publishes its storefronts by slug.</p>
      <form onSubmit={go} className="inline-form">
        <label htmlFor="slug">Storefront</label>
        <input id="slug" value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="corner-store" />
        <button type="submit">Open</button>
      </form>
      <ul className="links">
        <li>
          <Link to="/s/corner-store">Corner Store</Link>
        </li>
        <li>
          <Link to="/s/maple-and-main">Maple &amp; Main</Link>
        </li>
      </ul>
    </main>
  );
}

function StorefrontLayout() {
  const { slug = '' } = useParams();
  const q = useGql(StorefrontQuery, { slug });
  const { cart } = useCart(slug);
  const session = useSession();
  const client = useClient();
  if (q.isPending) return <Loading label="Opening the storefront…" />;
  if (q.error) return <ErrorBox error={q.error} />;
  const sf = q.data.storefront;
  if (!sf) {
    return (
      <main className="home">
        <h1>Storefront not found</h1>
        <p>
          No published storefront is called “{slug}”. <Link to="/">Choose another</Link>.
        </p>
      </main>
    );
  }
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={`/s/${slug}`} className="brand">
          {sf.name}
        </Link>
        <span className="currency" title="Prices are in this currency">
          {sf.currencyCode}
        </span>
        <nav aria-label="Shop">
          <NavLink to={`/s/${slug}`} end>
            Products
          </NavLink>
          <NavLink to={`/s/${slug}/cart`}>
            Cart{' '}
            <span className="badge" data-testid="cart-count">
              {cart?.itemCount ?? 0}
            </span>
            <span className="sr-only"> items</span>
          </NavLink>
          {session ? (
            <button type="button" className="link" onClick={() => void client.logout()}>
              Sign out {session.user?.name}
            </button>
          ) : (
            <NavLink to={`/s/${slug}/account`}>Sign in</NavLink>
          )}
        </nav>
      </header>
      <main id="main">
        <Outlet />
      </main>
      <footer className="footer">
        {sf.name} · sold by {sf.retailer.name} on Tradegraph
      </footer>
    </div>
  );
}
