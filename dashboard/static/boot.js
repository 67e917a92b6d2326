// Starts the wasm app. An external module (not inline) so the server's CSP can forbid inline scripts.

// Who is signed in, asked now so that the answer arrives while the wasm downloads. The app's
// session check sends this very body (a test in dashboard/src/gql.rs checks it) and takes this
// answer instead of asking again; it uses it once.
const ME = "{\"query\":\"query Me {\\n  me { ...UserFields }\\n}\\n\\nfragment UserFields on User {\\n  id\\n  email\\n  timezone\\n  targetSeconds\\n  idleTimeoutMinutes\\n  weeklyGoalHours\\n  weekStartsOn\\n  role\\n}\\n\",\"operationName\":\"Me\",\"variables\":null}";
window.rhtPrefetch = {
  body: ME,
  response: fetch('/graphql', { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: ME }),
};
// Not caught here: the app meets a failed fetch where it would have met its own.
window.rhtPrefetch.response.catch(() => {});

// Imported after the request above has left (a static import would wait for the glue first).
import('/dashboard.js')
  .then(({ default: init }) => init({ module_or_path: '/dashboard_bg.wasm' }))
  .catch((e) => {
    const app = document.getElementById('app');
    if (app) {
      app.innerHTML = '<p class="boot" role="alert">The dashboard failed to start. Reload the page to try again.</p>';
    }
    console.error(e);
  });
