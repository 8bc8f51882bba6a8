/**
 * React bindings over TanStack Query: the client in context, typed queries and mutations
 * keyed by operation name and variables, live subscriptions, and the session.
 */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import {
  type QueryKey,
  type UseMutationOptions,
  type UseQueryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { createContext, createElement, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import type { Session, TradegraphClient } from './index.ts';

type Doc<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

const ClientContext = createContext<TradegraphClient | null>(null);

export function ClientProvider(props: { client: TradegraphClient; children: ReactNode }) {
  return createElement(ClientContext.Provider, { value: props.client }, props.children);
}

export function useClient(): TradegraphClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientProvider>');
  return client;
}

/** The operation's name: the first part of every query key, so a screen can invalidate by name. */
export function operationName(doc: { toString(): string }): string {
  return /(?:query|mutation|subscription)\s+(\w+)/.exec(doc.toString())?.[1] ?? 'anonymous';
}

export function useGql<R, V>(
  doc: Doc<R, V>,
  variables: V,
  options: Omit<UseQueryOptions<R, Error, R, QueryKey>, 'queryKey' | 'queryFn'> = {},
) {
  const client = useClient();
  const session = useSession();
  return useQuery<R, Error, R, QueryKey>({
    // The organisation is part of the key: signing in as another one never shows the last one's data.
    queryKey: [operationName(doc), variables, session?.organization?.id ?? session?.user?.id ?? null],
    queryFn: () => client.request(doc, variables),
    ...options,
  });
}

export function useGqlMutation<R, V>(doc: Doc<R, V>, options: UseMutationOptions<R, Error, V> = {}) {
  const client = useClient();
  return useMutation<R, Error, V>({
    mutationFn: (variables: V) => client.request(doc, variables),
    ...options,
  });
}

/** Subscribes while mounted (and while `enabled`); `onData` sees every event. */
export function useSubscription<R, V>(
  doc: Doc<R, V>,
  variables: V,
  onData: (data: R) => void,
  enabled = true,
): { connected: boolean; error: unknown } {
  const client = useClient();
  const latest = useRef(onData);
  latest.current = onData;
  const [state, setState] = useState<{ connected: boolean; error: unknown }>({
    connected: false,
    error: null,
  });
  const key = JSON.stringify(variables);
  // biome-ignore lint/correctness/useExhaustiveDependencies: resubscribe when the variables' value changes
  useEffect(() => {
    if (!enabled) return;
    setState({ connected: true, error: null });
    return client.subscribe(doc, JSON.parse(key) as V, {
      next: (data) => latest.current(data),
      error: (error) => setState({ connected: false, error }),
      complete: () => setState((s) => ({ ...s, connected: false })),
    });
  }, [client, doc, key, enabled]);
  return state;
}

export function useSession(): Session | null {
  const client = useClient();
  const [session, setSession] = useState(client.session());
  useEffect(() => client.onSessionChange(setSession), [client]);
  return session;
}

/** Invalidate every cached query of these operations (e.g. after a live event). */
export function useInvalidate(): (...docs: { toString(): string }[]) => void {
  const qc = useQueryClient();
  return (...docs) => {
    for (const d of docs) void qc.invalidateQueries({ queryKey: [operationName(d)] });
  };
}

/** The config `/config.js` sets (apps/serve), with a local default for `vite` dev servers. */
export function appConfig(): { graphqlUrl: string; defaultStorefront?: string } {
  const cfg = (globalThis as { __TRADEGRAPH_CONFIG__?: { graphqlUrl: string; defaultStorefront?: string } })
    .__TRADEGRAPH_CONFIG__;
  return cfg ?? { graphqlUrl: 'http://localhost:4000/graphql', defaultStorefront: 'corner-store' };
}
