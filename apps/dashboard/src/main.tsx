import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTradegraphClient, localSessionStore } from '@tradegraph/client';
import { appConfig, ClientProvider } from '@tradegraph/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import '@tradegraph/client/styles.css';
import './styles.css';

const client = createTradegraphClient({
  url: appConfig().graphqlUrl,
  store: localSessionStore('tg.dashboard'),
});
const queries = new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, retry: 1 } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ClientProvider client={client}>
      <QueryClientProvider client={queries}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </ClientProvider>
  </StrictMode>,
);
