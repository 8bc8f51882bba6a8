import { useClient, useSession } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { Navigate, NavLink, Outlet, Route, Routes, useNavigate } from 'react-router';
import { Catalog } from './pages/Catalog.tsx';
import { Connections } from './pages/Connections.tsx';
import { Fulfilment } from './pages/Fulfilment.tsx';
import { OrderDetail } from './pages/OrderDetail.tsx';
import { Orders } from './pages/Orders.tsx';
import { Audit, Invoices, Organizations } from './pages/Platform.tsx';
import { Sales } from './pages/Sales.tsx';
import { Stock } from './pages/Stock.tsx';
import { Storefronts } from './pages/Storefronts.tsx';
import { ErrorBox } from './ui.tsx';

type Kind = 'RETAILER' | 'SUPPLIER' | 'BRAND' | 'PLATFORM';
const NAV: Record<Kind, { to: string; label: string }[]> = {
  RETAILER: [
    { to: '/orders', label: 'Orders' },
    { to: '/storefronts', label: 'Storefronts' },
    { to: '/sales', label: 'Sales' },
  ],
  SUPPLIER: [
    { to: '/fulfilment', label: 'Fulfilment' },
    { to: '/stock', label: 'Stock' },
    { to: '/orders', label: 'Orders' },
  ],
  BRAND: [
    { to: '/catalog', label: 'Catalog' },
    { to: '/connections', label: 'Partners' },
    { to: '/orders', label: 'Orders' },
    { to: '/sales', label: 'Sell-through' },
  ],
  PLATFORM: [
    { to: '/organizations', label: 'Organisations' },
    { to: '/audit', label: 'Audit trail' },
    { to: '/invoices', label: 'Invoices' },
  ],
};

export function App() {
  const session = useSession();
  if (!session?.organization) {
    return (
      <Routes>
        <Route path="*" element={<Login />} />
      </Routes>
    );
  }
  const kind = session.organization.kind as Kind;
  return (
    <Routes>
      <Route element={<Layout kind={kind} />}>
        <Route index element={<Navigate to={NAV[kind]?.[0]?.to ?? '/orders'} replace />} />
        <Route path="orders" element={<Orders />} />
        <Route path="orders/:orderId" element={<OrderDetail />} />
        <Route path="storefronts" element={<Storefronts />} />
        <Route path="sales" element={<Sales kind={kind} />} />
        <Route path="fulfilment" element={<Fulfilment />} />
        <Route path="stock" element={<Stock />} />
        <Route path="catalog" element={<Catalog />} />
        <Route path="connections" element={<Connections />} />
        <Route path="organizations" element={<Organizations />} />
        <Route path="audit" element={<Audit />} />
        <Route path="invoices" element={<Invoices />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

function Layout({ kind }: { kind: Kind }) {
  const client = useClient();
  const session = useSession();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Tradegraph</span>
        <span className="org" data-testid="org">
          {session?.organization?.name} <span className="currency">{kind}</span>
        </span>
        <nav aria-label="Sections">
          {(NAV[kind] ?? []).map((n) => (
            <NavLink key={n.to} to={n.to}>
              {n.label}
            </NavLink>
          ))}
          <button
            type="button"
            className="link"
            onClick={() => void client.logout().then(() => navigate('/', { replace: true }))}
          >
            Sign out
          </button>
        </nav>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </div>
  );
}

function Login() {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const r = await client.login(String(f.get('email')), String(f.get('password')));
      if (!r.ok) setError(r.errors[0]?.message ?? 'Sign-in failed.');
      else if (!r.session.organization) {
        await client.logout();
        setError(
          'This account belongs to no organisation: the dashboard is for brand, supplier, retailer and platform staff.',
        );
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="narrow login">
      <h1>Sign in to the dashboard</h1>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" required autoComplete="username" />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" required autoComplete="current-password" />
        </div>
        {error && <ErrorBox>{error}</ErrorBox>}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
