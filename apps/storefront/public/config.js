// Replaced at run time by the app server (apps/serve) with the router it should talk to.
window.__TRADEGRAPH_CONFIG__ = {
  graphqlUrl: 'http://localhost:4000/graphql',
  defaultStorefront: 'corner-store',
};
