// Starts the wasm app. An external module (not inline) so the server's CSP can forbid inline scripts.
import init from '/dashboard.js';

init({ module_or_path: '/dashboard_bg.wasm' }).catch((e) => {
  const app = document.getElementById('app');
  if (app) {
    app.innerHTML = '<p class="boot" role="alert">The dashboard failed to start. Reload the page to try again.</p>';
  }
  console.error(e);
});
