// Starts GraphiQL against this server. An external file, not an inline script, so the
// playground's CSP can stay at 'self'. The session cookie travels with same-origin requests.
(function () {
  const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
  const fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: ws });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
