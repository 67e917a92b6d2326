// Forgot password end to end in the browser: the dashboard's "Forgot password?" form, the
// mail caught by a real SMTP server process (tests/support/smtp_sink.py on aiosmtpd), the
// link from that mail, a new password, and signing in with it.
//
//   cargo xtask dist --release && cargo build -p server
//   cd e2e && node --test mail.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer, serverBinary } from './lib/server.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = resolve(ROOT, 'dist');
const OLD_PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet tundra lantern orchestra';
const EMAIL = 'forgetful@example.com';
// Generous: only a mail that never arrives reaches it.
const WAIT_MS = 60_000;

let sink;
let inbox;
let server;
let context;

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function startSink() {
  inbox = mkdtempSync(join(tmpdir(), 'rht-inbox-'));
  const proc = spawn('python3', [resolve(ROOT, 'server/tests/support/smtp_sink.py'), inbox], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((ok, fail) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/port (\d+)/);
      if (m) ok(Number(m[1]));
    });
    proc.on('exit', (code) => fail(new Error(`SMTP sink exited with ${code} (is aiosmtpd installed? scripts/setup.sh --test)`)));
  });
  return { proc, port };
}

/** The decoded text of every received message. */
function received() {
  return readdirSync(inbox).filter((f) => f.endsWith('.eml')).sort()
    // Quoted-printable: drop soft line breaks and decode "=3D".
    .map((f) => readFileSync(join(inbox, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

async function waitForMail(count) {
  const deadline = Date.now() + WAIT_MS;
  while (received().length < count) {
    assert.ok(Date.now() < deadline, `only ${received().length} of ${count} mails arrived`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return received();
}

before(async () => {
  assert.ok(existsSync(resolve(DIST, 'index.html')), 'dist/ is built (cargo xtask dist --release)');
  sink = await startSink();
  const port = await freePort();
  server = new TestServer({
    env: {
      DIST_DIR: DIST,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}?tls=off`,
      MAIL_FROM: 'RaterHub Tracker <tracker@example.com>',
      EMAIL_VERIFICATION: 'off',
    },
  });
  server.port = port;
  // A public URL means the first account needs the setup code; the admin comes from the CLI.
  const created = spawnSync(serverBinary(), ['admin', 'create-user', '--email', 'admin@example.com', '--password', OLD_PASSWORD], { env: { ...process.env, ...server.env } });
  assert.equal(created.status, 0, String(created.stderr));
  await server.start();
  await server.register(EMAIL, OLD_PASSWORD);
  context = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
  if (sink) sink.proc.kill();
});

test('forgot password: the mailed link sets a new password that signs in', async () => {
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.waitForSelector('#login-form');
  await page.click('#forgot-password summary');
  await page.fill('#forgot-email', EMAIL);
  await page.click('#forgot-form button[type=submit]');
  const outcome = await page.waitForSelector('#forgot-outcome', { timeout: WAIT_MS });
  assert.match(await outcome.textContent(), /If an account exists for that address/);

  const [mail] = await waitForMail(1);
  assert.match(mail, /^To: forgetful@example\.com/m);
  const link = mail.match(/(http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[A-Za-z0-9_-]+)/);
  assert.ok(link, `no reset link in:\n${mail}`);
  assert.ok(link[1].startsWith(server.url), 'the link points at this server');

  await page.goto(link[1]);
  await page.waitForSelector('#reset-form');
  await page.fill('#new-password', NEW_PASSWORD);
  await page.fill('#confirm-password', NEW_PASSWORD);
  await page.click('#reset-form button[type=submit]');
  await page.waitForSelector('#reset-done', { timeout: WAIT_MS });
  await page.screenshot({ path: artifact('mail-reset-done.png') });

  // The link works once.
  const again = await server.gql('mutation($t:String!,$p:String!){completePasswordReset(token:$t,newPassword:$p)}', { t: link[1].split('token=')[1], p: 'yet another long passphrase' });
  assert.equal(again.errors?.[0]?.extensions?.code, 'INVALID_TOKEN');

  await page.goto(`${server.url}/login`);
  await page.waitForSelector('#login-form');
  await page.fill('#email', EMAIL);
  await page.fill('#password', NEW_PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('nav[aria-label=Main]', { timeout: WAIT_MS });
  const old = await server.gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: EMAIL, p: OLD_PASSWORD });
  assert.equal(old.errors?.[0]?.extensions?.code, 'INVALID_CREDENTIALS');
  // Settings: the name mails greet you with.
  await page.goto(`${server.url}/settings`);
  await page.fill('#display-name', 'Forgetful Fran');
  await page.click('#display-name-form button[type=submit]');
  await page.waitForSelector('#display-name-saved', { timeout: WAIT_MS });
  const signedIn = await server.gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){user{displayName}}}', { e: EMAIL, p: NEW_PASSWORD });
  assert.equal(signedIn.data.login.user.displayName, 'Forgetful Fran');
  // The "your password was changed" notice follows.
  const mails = await waitForMail(2);
  assert.match(mails[1], /Subject: Your RaterHub Tracker password was changed/);
  await page.close();
});
