// Browser end-to-end tests of the dashboard's admin features, the password reset page and the
// activity log: headless Debian Chromium (playwright-core) against the real server binary on a
// fresh SQLite database, with REGISTRATION_MODE=invite and PUBLIC_URL set.
//
//   cargo xtask dist --release && cargo build -p server
//   cd e2e && node --test --test-concurrency=1 admin.test.mjs
//
// Two browsers: the admin (desktop, light) and a second user (360 px wide). Screenshots:
// e2e/artifacts/admin-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestServer } from './lib/server.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = resolve(ROOT, 'dist');
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'velvet tundra kazoo 1987 lantern';
const ADMIN = `admin-${Date.now()}@example.com`;
const USER = `rater-${Date.now()}@example.com`;

let server;
let adminCtx;
let userCtx;
let admin; // the admin's page
let user; // the second user's page
let resetUrl;

function watch(page, who) {
  page.on('pageerror', (e) => console.error(`[${who} page error]`, e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[${who} console]`, m.text()); });
}

before(async () => {
  assert.ok(existsSync(resolve(DIST, 'index.html')), 'dist/ is built (cargo xtask dist --release)');
  server = new TestServer({ env: { DIST_DIR: DIST, REGISTRATION_MODE: 'invite', RATE_LIMIT_AUTH_PER_MINUTE: '100' } });
  await server.start();
  // Restart on the same port with PUBLIC_URL, so reset links carry the real address.
  await server.stop();
  server.env.PUBLIC_URL = server.url;
  await server.start();
  adminCtx = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  await adminCtx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  admin = adminCtx.pages()[0] ?? (await adminCtx.newPage());
  watch(admin, 'admin');
  userCtx = await launchBrowser({ timezoneId: 'Asia/Tokyo', locale: 'en-GB', viewport: { width: 360, height: 780 } });
  user = userCtx.pages()[0] ?? (await userCtx.newPage());
  watch(user, 'user');
});

after(async () => {
  if (adminCtx) await adminCtx.close();
  if (userCtx) await userCtx.close();
  if (server) await server.stop();
});

const text = async (page, selector) => (await page.locator(selector).innerText()).trim();
const shot = (page, name) => page.screenshot({ path: artifact(`admin-${name}.png`), fullPage: true });
const userRow = () => admin.locator('#users tbody tr', { hasText: USER });
const noOverflow = async (page, what) => {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what}: no horizontal scrolling at 360 px (overflow ${overflow}px)`);
};

async function signIn(page, email, password) {
  await page.waitForSelector('#login-form');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
}

test('the first registered user is an admin and sees the Admin page', async () => {
  await admin.goto(`${server.url}/register`);
  await admin.waitForSelector('#register-form');
  await admin.fill('#email', ADMIN);
  await admin.fill('#password', PASSWORD);
  // With PUBLIC_URL set the server counts as public: its first account needs the setup
  // code it printed in its log at start, entered in the invite code field.
  const setupCode = server.log.match(/the setup code (\S+)/)?.[1];
  assert.ok(setupCode, `no setup code in the server log:\n${server.log}`);
  await admin.fill('#invite', setupCode);
  await admin.click('#register-form button[type=submit]');
  await admin.waitForSelector('nav[aria-label=Main]');
  await admin.click('nav >> text=Admin');
  await admin.waitForSelector('#users tbody tr');
  assert.match(admin.url(), /\/admin$/);
  assert.equal(await admin.title(), 'Admin · RaterHub Tracker');
  assert.equal(await admin.locator('#users tbody tr').count(), 1);
  const row = await text(admin, '#users tbody tr');
  assert.match(row, new RegExp(ADMIN.replace(/[.]/g, '\\.')));
  assert.match(row, /admin/);
  assert.match(row, /you/);
  assert.equal(await admin.locator('#users tbody tr >> text=Deactivate').count(), 0, 'no deactivating yourself');
});

test('admin creates an invite; a second user registers with it and sees no Admin page', async () => {
  await admin.fill('#invite-hours', '0');
  await admin.click('#invite-form button[type=submit]');
  assert.match(await text(admin, '#invite-hours-error'), /between 1 and 720/);
  await admin.fill('#invite-hours', '48');
  await admin.click('#invite-form button[type=submit]');
  await admin.waitForSelector('#invite-code');
  const code = await admin.inputValue('#invite-code');
  assert.match(code, /^inv_/);
  assert.match(await text(admin, '#invite-code-box'), /shown only this once/);
  await admin.waitForSelector('#invites tbody tr');
  assert.match(await text(admin, '#invites tbody tr'), /open/);
  await shot(admin, 'invite');

  await user.goto(`${server.url}/register`);
  await user.waitForSelector('#register-form');
  await user.fill('#email', USER);
  await user.fill('#password', PASSWORD);
  await user.click('#register-form button[type=submit]');
  await user.waitForSelector('#invite-error');
  assert.match(await text(user, '#invite-error'), /invite/i);
  await user.fill('#invite', 'inv_not-a-real-code');
  await user.click('#register-form button[type=submit]');
  await user.waitForFunction(() => /invalid|expired|used/i.test(document.querySelector('#invite-error')?.textContent ?? ''));
  await user.fill('#invite', code);
  await user.click('#register-form button[type=submit]');
  await user.waitForSelector('nav[aria-label=Main]');
  assert.equal(await user.locator('nav a[href="/admin"]').count(), 0, 'no Admin entry for a regular user');
  await user.goto(`${server.url}/admin`);
  await user.waitForSelector('#admin-only');
  assert.match(await text(user, '#admin-only h1'), /Administrators only/);
  assert.equal(await user.locator('#users').count(), 0);
  // The server refuses anyway.
  const forbidden = await user.evaluate(async () => (await fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ users { id } }' }),
  })).json());
  assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  await noOverflow(user, 'admin-only page');
  await shot(user, 'non-admin-phone');

  // The admin sees the invite used, and the new user in the table.
  await admin.reload();
  await admin.waitForSelector('#invites tbody tr');
  assert.match(await text(admin, '#invites tbody tr'), /used/);
  assert.equal(await admin.locator('#invites button.delete').count(), 0, 'a used invite cannot be revoked');
  await admin.waitForSelector(`#users tbody tr:has-text("${USER}")`);
  assert.match(await userRow().innerText(), /user/);

  // A second invite, revoked.
  await admin.click('#invite-form button[type=submit]');
  await admin.waitForFunction(() => document.querySelectorAll('#invites tbody tr').length === 2);
  await admin.click('#invites button.delete');
  await admin.click('#invites .confirm-yes');
  await admin.waitForFunction(() => /revoked/.test(document.querySelector('#invites')?.textContent ?? ''));
  assert.equal(await admin.locator('#invite-code').count(), 0, "a revoked invite's code is no longer shown");
});

test('admin issues a reset link; the user sets a new password through it and signs in', async () => {
  await userRow().locator('button.reset-link').click();
  await admin.waitForSelector('#reset-url');
  resetUrl = await admin.inputValue('#reset-url');
  assert.ok(resetUrl.startsWith(`${server.url}/reset-password?token=reset_`), resetUrl);
  assert.match(await text(admin, '#reset-link-box'), new RegExp(`reset link for ${USER.replace(/[.]/g, '\\.')}`));
  assert.match(await text(admin, '#reset-link-box'), /Works once, until \d{4}-\d\d-\d\d \d\d:\d\d/);
  await admin.click('#reset-link-box button.copy');
  await admin.waitForFunction(() => (document.querySelector('#reset-link-box .copy-status')?.textContent ?? '').length > 0);
  const status = await text(admin, '#reset-link-box .copy-status');
  if (status === 'Copied.') {
    assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), resetUrl);
  } else {
    assert.match(status, /Ctrl\+C/);
    console.log('# clipboard refused in this browser; the text was selected instead');
  }
  await shot(admin, 'reset-link');

  // The user forgot the password: signed out, opens the link.
  await userCtx.clearCookies();
  await user.goto(resetUrl);
  await user.waitForSelector('#reset-form');
  assert.equal(await user.title(), 'Reset password · RaterHub Tracker');
  await user.fill('#new-password', 'short');
  await user.fill('#confirm-password', 'other');
  await user.click('#reset-form button[type=submit]');
  assert.match(await text(user, '#new-password-error'), /12 characters/);
  assert.match(await text(user, '#confirm-password-error'), /differ/);
  // Long enough, too weak for the server: WEAK_PASSWORD shows by the field, the link survives.
  await user.fill('#new-password', 'aaaaaaaaaaaaaaaa');
  await user.fill('#confirm-password', 'aaaaaaaaaaaaaaaa');
  await user.click('#reset-form button[type=submit]');
  await user.waitForFunction(() => !/12 characters/.test(document.querySelector('#new-password-error')?.textContent ?? '12 characters'));
  assert.ok((await text(user, '#new-password-error')).length > 0);
  await noOverflow(user, 'reset page');
  await shot(user, 'reset-weak-phone');
  await user.fill('#new-password', NEW_PASSWORD);
  await user.fill('#confirm-password', NEW_PASSWORD);
  await user.click('#reset-form button[type=submit]');
  await user.waitForSelector('#reset-done');
  await shot(user, 'reset-done-phone');
  await user.click('#reset-signin');
  await signIn(user, USER, PASSWORD);
  await user.waitForSelector('#password-error');
  assert.match(await text(user, '#password-error'), /Wrong email or password/);
  await user.fill('#password', NEW_PASSWORD);
  await user.click('#login-form button[type=submit]');
  await user.waitForSelector('nav[aria-label=Main]');

  // The link works once.
  await user.emulateMedia({ colorScheme: 'dark' });
  await user.goto(resetUrl);
  await user.fill('#new-password', 'another long passphrase 4711 ok');
  await user.fill('#confirm-password', 'another long passphrase 4711 ok');
  await user.click('#reset-form button[type=submit]');
  await user.waitForSelector('#reset-error');
  assert.match(await text(user, '#reset-error'), /invalid or already used/);
  await shot(user, 'reset-used-phone-dark');
  await user.emulateMedia({ colorScheme: 'light' });

  // No token at all.
  await user.goto(`${server.url}/reset-password`);
  await user.waitForSelector('#reset-error');
  assert.match(await text(user, '#reset-error'), /no reset token/);
});

test('admin deactivates the user (signed out at once), then reactivates them', async () => {
  await user.goto(`${server.url}/`);
  await user.waitForSelector('nav[aria-label=Main]');
  await userRow().locator('button.delete', { hasText: 'Deactivate' }).click();
  await userRow().locator('.confirm-yes').click();
  await admin.waitForFunction((email) => [...document.querySelectorAll('#users tbody tr')]
    .some((r) => r.textContent.includes(email) && r.classList.contains('inactive')), USER);
  assert.match(await userRow().locator('.status').innerText(), /deactivated/);
  await shot(admin, 'deactivated');

  await user.reload();
  await signIn(user, USER, NEW_PASSWORD);
  await user.waitForSelector('#password-error');
  assert.match(await text(user, '#password-error'), /Wrong email or password/);

  await userRow().locator('button.activate').click();
  await admin.waitForFunction((email) => [...document.querySelectorAll('#users tbody tr')]
    .some((r) => r.textContent.includes(email) && !r.classList.contains('inactive')), USER);
  await user.click('#login-form button[type=submit]');
  await user.waitForSelector('nav[aria-label=Main]');
});

test('roles: the last admin cannot be demoted; promote and demote another user', async () => {
  const me = admin.locator('#users tbody tr', { hasText: ADMIN });
  await me.locator('button.delete', { hasText: 'Demote' }).click();
  await me.locator('.confirm-yes').click();
  await admin.waitForSelector('#users-error');
  assert.match(await text(admin, '#users-error'), /last admin cannot be demoted/);
  await shot(admin, 'last-admin');

  await userRow().locator('button.promote').click();
  await admin.waitForFunction((email) => [...document.querySelectorAll('#users tbody tr')]
    .some((r) => r.textContent.includes(email) && r.querySelector('.badge.admin')), USER);
  // The user's dashboard offers Admin after a reload.
  await user.reload();
  await user.waitForSelector('nav a[href="/admin"]');
  await userRow().locator('button.delete', { hasText: 'Demote' }).click();
  await userRow().locator('.confirm-yes').click();
  await admin.waitForFunction((email) => [...document.querySelectorAll('#users tbody tr')]
    .some((r) => r.textContent.includes(email) && !r.querySelector('.badge.admin')), USER);
  await user.reload();
  await user.waitForSelector('nav[aria-label=Main]');
  assert.equal(await user.locator('nav a[href="/admin"]').count(), 0);
});

test('admin creates a user; errors inline', async () => {
  const created = `made-${Date.now()}@example.com`;
  await admin.fill('#new-user-email', USER);
  await admin.fill('#new-user-password', PASSWORD);
  await admin.click('#create-user-form button[type=submit]');
  await admin.waitForSelector('#new-user-email-error');
  assert.match(await text(admin, '#new-user-email-error'), /already exists/);
  await admin.fill('#new-user-email', created);
  await admin.fill('#new-user-password', 'aaaaaaaaaaaaaaaa');
  await admin.click('#create-user-form button[type=submit]');
  await admin.waitForSelector('#new-user-password-error');
  await admin.fill('#new-user-password', PASSWORD);
  await admin.fill('#new-user-timezone', 'Mars/Olympus');
  await admin.click('#create-user-form button[type=submit]');
  await admin.waitForSelector('#new-user-timezone-error');
  await admin.fill('#new-user-timezone', 'Europe/Paris');
  await admin.click('#create-user-form button[type=submit]');
  await admin.waitForSelector('#user-created');
  await admin.waitForSelector(`#users tbody tr:has-text("${created}")`);
  const login = await server.gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){user{timezone}}}', { e: created, p: PASSWORD });
  assert.equal(login.data?.login?.user?.timezone, 'Europe/Paris', JSON.stringify(login));
});

test("admin opens a user's day and week read-only, with their reports; the user sees it in their log", async () => {
  // The user records a session through the API (as the overlay would) on a past day; in
  // Tokyo (the user's zone) 03:00Z is noon of the same date.
  const login = await server.gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){token user{id}}}', { e: USER, p: NEW_PASSWORD });
  const { token, user: { id } } = login.data.login;
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const at = (s) => new Date(Date.parse(`${day}T03:00:00Z`) + s * 1000).toISOString();
  const ev = (type, s, extra = {}) => ({ type, occurredAt: at(s), clientEventId: `adm-${type}-${s}`, ...extra });
  const rec = await server.gql('mutation($i:[EventInput!]!){recordEvents(inputs:$i){error{code}}}', {
    i: [ev('NEXT', 0, { taskId: 'task-a1', targetSeconds: 300, taskType: 'Rating A' }), ev('NEXT', 240, { taskId: 'task-a2', targetSeconds: 480 }), ev('EXIT', 600)],
  }, token);
  assert.deepEqual(rec.data.recordEvents.map((r) => r.error), [null, null, null], JSON.stringify(rec));
  const own = (await server.gql(`query($d:Date!){day(date:$d){questionCount activeSeconds bankedSeconds creditedSeconds}
    week(start:$d){start questionCount activeSeconds bankedSeconds}}`, { d: day }, token)).data;

  await admin.goto(`${server.url}/admin`);
  await userRow().locator('a.view-user').click();
  await admin.waitForSelector('#read-only');
  await admin.waitForFunction((e) => document.querySelector('#admin-user-title')?.textContent === e, USER);
  await admin.goto(`${server.url}/admin/users/${id}/${day}`);
  await admin.waitForSelector('.admin-session');
  const card = async (cid) => text(admin, `#${cid} .value`);
  assert.equal(await card('admin-questions'), String(own.day.questionCount));
  assert.equal(await card('admin-questions'), '2');
  assert.equal(await card('admin-active'), '10:00');
  // Targets 5:00 + 8:00 against 4:00 + 6:00 active: 3:00 ahead.
  assert.equal(await card('admin-day-banked'), '+3:00', `API banked ${own.day.bankedSeconds}`);
  assert.equal(Math.round(own.day.bankedSeconds), 180);
  const rows = await admin.locator('.admin-session tbody tr').evaluateAll((trs) => trs.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows, [['1', '12:00:00', '4:00', '0:00', '5:00', '\u22121:00', 'task-a1', 'Rating A'], ['2', '12:04:00', '6:00', '0:00', '8:00', '\u22122:00', 'task-a2', '']]);
  // Read-only: no button or form anywhere in the page's content.
  assert.equal(await admin.locator('main button, main form, main input').count(), 0);
  // The week, day by day, against the API.
  const weekRow = admin.locator('#week-days tbody tr', { has: admin.locator(`a[href="/admin/users/${id}/${day}"]`) });
  assert.equal((await weekRow.locator('td').first().innerText()).trim(), '2');
  assert.equal((await admin.locator('#week-days tfoot td').first().innerText()).trim(), String(own.week.questionCount));
  // Their reports, through ?user=.
  const pdf = await admin.locator('#admin-day-report-pdf').getAttribute('href');
  assert.equal(pdf, `/reports/day/${day}.pdf?user=${id}`);
  assert.equal(await admin.locator('#admin-week-report-csv').getAttribute('href'), `/reports/week/${own.week.start}.csv?user=${id}`);
  const got = await admin.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]; }, pdf);
  assert.equal(got[0], 200);
  assert.match(got[1], /application\/pdf/);
  assert.ok(got[2] > 1000, `a PDF of ${got[2]} bytes`);
  await shot(admin, 'user-view');
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.reload();
  await admin.waitForSelector('.admin-session');
  await noOverflow(admin, 'admin user view');
  await shot(admin, 'user-view-390');
  await admin.setViewportSize({ width: 1280, height: 900 });
  // The user's own log says who looked.
  const log = (await server.gql('{auditLog(limit:100){action detail}}', {}, token)).data.auditLog;
  assert.ok(log.some((e) => e.action === 'admin_days_viewed' && e.detail === `day ${day} viewed by ${ADMIN}`), JSON.stringify(log));
  assert.ok(log.some((e) => e.action === 'admin_report_viewed' && e.detail.includes(`viewed by ${ADMIN}`)), JSON.stringify(log));
  await admin.goto(`${server.url}/admin`);
});

test("everyone's audit log (admin) and the user's own activity log", async () => {
  await admin.reload();
  await admin.waitForSelector('#audit-all tbody tr');
  assert.ok(await admin.locator('#audit-all tbody tr').count() <= 20, 'at most 20 entries, then "Show all"');
  if (await admin.locator('text=/^Show all \\d+ entries$/').count()) {
    await admin.click('text=/^Show all \\d+ entries$/');
    await admin.waitForFunction(() => document.querySelectorAll('#audit-all tbody tr').length > 20);
  }
  const all = await text(admin, '#audit-all');
  for (const words of ['Admin: deactivated a user', 'Admin: activated a user', 'Admin: issued a password reset link',
    'Set a new password with a reset link', 'Failed sign-in', 'Admin: created an invite', 'Admin: revoked an invite',
    'Admin: created a user', 'Registered']) {
    assert.ok(all.includes(words), `"${words}" in everyone's log:\n${all}`);
  }
  assert.ok(all.includes(USER) && all.includes(ADMIN), 'actors and subjects by email');
  assert.match(all, /127\.0\.0\.1/);
  assert.match(all, /Time \(UTC\)/);
  await shot(admin, 'page');
  await admin.setViewportSize({ width: 360, height: 780 });
  await admin.emulateMedia({ colorScheme: 'dark' });
  await admin.reload();
  await admin.waitForSelector('#audit-all tbody tr');
  await noOverflow(admin, 'admin page');
  await shot(admin, 'page-phone-dark');
  await admin.locator('section[aria-labelledby=users-h]').screenshot({ path: artifact('admin-users-phone-dark.png') });
  await admin.setViewportSize({ width: 1280, height: 900 });
  await admin.emulateMedia({ colorScheme: 'light' });

  await user.goto(`${server.url}/settings`);
  await user.waitForSelector('#activity-log tbody tr');
  if (await user.locator('text=/^Show all \\d+ entries$/').count()) await user.click('text=/^Show all \\d+ entries$/');
  const mine = await text(user, '#activity-log');
  for (const words of ['Signed in', 'Set a new password with a reset link', 'Admin: deactivated a user', 'Registered',
    'Admin: viewed days (read-only)', `viewed by ${ADMIN}`]) {
    assert.ok(mine.includes(words), `"${words}" in the user's own log:\n${mine}`);
  }
  assert.ok(!mine.includes('Admin: created an invite'), "others' entries are not in the user's log");
  assert.match(mine, /Asia\/Tokyo/, 'times are in the user\'s zone');
  await noOverflow(user, 'settings');
  const panel = user.locator('section[aria-labelledby=activity-h]');
  await panel.screenshot({ path: artifact('admin-activity-phone.png') });
  await user.emulateMedia({ colorScheme: 'dark' });
  await panel.screenshot({ path: artifact('admin-activity-phone-dark.png') });
});
