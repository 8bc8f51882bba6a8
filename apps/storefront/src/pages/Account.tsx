import { graphql } from '@tradegraph/client';
import { useClient, useSession } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../ui.tsx';

const Register = graphql(`
  mutation StorefrontRegister($input: RegisterCustomerInput!) {
    registerCustomer(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user { id name email kind }
      userErrors { field message code }
    }
  }
`);

export function Account() {
  const client = useClient();
  const session = useSession();
  const [mode, setMode] = useState<'signin' | 'register'>('signin');
  const [error, setError] = useState<string | null>(null);
  if (session) {
    return (
      <section>
        <h1>Signed in</h1>
        <p>
          You are signed in as {session.user?.name} ({session.user?.email}). Carts you start now are kept with
          your account.
        </p>
        <button type="button" onClick={() => void client.logout()}>
          Sign out
        </button>
      </section>
    );
  }
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(null);
    const f = new FormData(e.currentTarget);
    const email = String(f.get('email'));
    const password = String(f.get('password'));
    try {
      if (mode === 'signin') {
        const r = await client.login(email, password);
        if (!r.ok) setError(r.errors[0]?.message ?? 'Sign-in failed.');
      } else {
        const r = await client.request(Register, { input: { email, password, name: String(f.get('name')) } });
        const p = r.registerCustomer;
        if (p.accessToken && p.refreshToken) {
          client.setSession({
            accessToken: p.accessToken,
            refreshToken: p.refreshToken,
            expiresAt: p.expiresAt ?? null,
            user: p.user ?? null,
            organization: null,
          });
        } else setError(p.userErrors[0]?.message ?? 'Check your email to finish signing up, then sign in.');
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section className="narrow">
      <h1>{mode === 'signin' ? 'Sign in' : 'Create an account'}</h1>
      <form onSubmit={submit} className="stack">
        {mode === 'register' && (
          <div className="field">
            <label htmlFor="name">Name</label>
            <input id="name" name="name" required autoComplete="name" />
          </div>
        )}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" required autoComplete="email" />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            required
            autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          />
        </div>
        {error && <ErrorBox>{error}</ErrorBox>}
        <button type="submit">{mode === 'signin' ? 'Sign in' : 'Create account'}</button>
      </form>
      <button
        type="button"
        className="link"
        onClick={() => setMode(mode === 'signin' ? 'register' : 'signin')}
      >
        {mode === 'signin' ? 'New here? Create an account' : 'Have an account? Sign in'}
      </button>
    </section>
  );
}
