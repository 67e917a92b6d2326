// A virtual X display (Xvfb) with real key presses (xdotool through the XTEST extension, the
// same path a hardware keyboard's events take), and Debian's Chromium and Firefox ESR started
// as a user would start them: no automation protocol, a fresh profile each time, the system's
// binaries only (nothing is downloaded).
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trustCa } from './raterhub-https.mjs';

const run = promisify(execFile);

/** Starts Xvfb on a free display number; resolves { display, env, stop() }. */
export async function startXvfb({ width = 1280, height = 900 } = {}) {
  const proc = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    proc.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  const env = { ...process.env, DISPLAY: display };
  process.once('exit', () => proc.kill()); // even when the caller crashes
  return {
    display,
    env,
    stop: () => new Promise((r) => { if (proc.exitCode !== null) r(); else { proc.once('exit', r); proc.kill('SIGTERM'); } }),
  };
}

/** xdotool on the display; resolves stdout (trimmed). */
export async function xdo(env, ...args) {
  const { stdout } = await run('xdotool', args, { env, timeout: 20_000 }); // --sync waits could hang
  return stdout.trim();
}

/** The first visible window whose title matches `re`, or null. */
export async function findWindow(env, re) {
  const out = await run('xdotool', ['search', '--onlyvisible', '--name', re.source], { env }).then((r) => r.stdout, () => '');
  const ids = out.split('\n').filter(Boolean);
  return ids.length ? ids[0] : null;
}

/** Visible windows' titles, for telling "a new window opened" apart from "nothing happened". */
export async function windowTitles(env) {
  const out = await run('xdotool', ['search', '--onlyvisible', '--name', '.'], { env }).then((r) => r.stdout, () => '');
  const titles = [];
  for (const id of out.split('\n').filter(Boolean)) {
    titles.push(await run('xdotool', ['getwindowname', id], { env }).then((r) => r.stdout.trim(), () => ''));
  }
  return titles.filter(Boolean);
}

/** A PNG of the whole display (ImageMagick's import). */
export async function screenshot(env, path) {
  await run('import', ['-window', 'root', path], { env });
}

const CHROMIUM_FLAGS = [
  '--no-sandbox', '--no-first-run', '--no-default-browser-check', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--password-store=basic',
  '--window-position=0,0', '--window-size=1280,900',
];

// Only what a first run and the loopback proxy need; every shortcut-related default stays as shipped.
const FIREFOX_PREFS = {
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1',
  'network.proxy.ssl': '127.0.0.1',
  'network.proxy.no_proxies_on': '',
  'network.proxy.allow_hijacking_localhost': true,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.disabledForTesting': true,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

function firefoxProfile(dir, proxyPort) {
  const prefs = { ...FIREFOX_PREFS, 'network.proxy.http_port': proxyPort, 'network.proxy.ssl_port': proxyPort };
  const line = ([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`;
  writeFileSync(join(dir, 'user.js'), `${Object.entries(prefs).map(line).join('\n')}\n`);
}

/**
 * Starts `browser` ('chromium' | 'firefox') on `url` with a fresh profile and HOME that trust the
 * test CA and send https through the loopback proxy. Returns { proc, exited, log, stop() }.
 */
export async function launchDesktopBrowser(browser, { url, env, proxyPort, caPath }) {
  const home = mkdtempSync(join(tmpdir(), `rht-desktop-${browser}-`));
  const profile = join(home, 'profile');
  mkdirSync(profile);
  let cmd;
  let args;
  if (browser === 'chromium') {
    mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
    trustCa(join(home, '.pki', 'nssdb'), caPath);
    cmd = process.env.CHROMIUM || '/usr/bin/chromium';
    args = [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--proxy-server=http://127.0.0.1:${proxyPort}`, url];
  } else {
    trustCa(profile, caPath);
    firefoxProfile(profile, proxyPort);
    cmd = process.env.FIREFOX || '/usr/bin/firefox-esr';
    args = ['--no-remote', '--new-instance', '--profile', profile, '--width', '1280', '--height', '900', url];
  }
  const proc = spawn(cmd, args, {
    env: { ...env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1', XDG_CONFIG_HOME: join(home, '.config') },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group, so stop() ends the browser's helpers too
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  // The whole group: a browser that quit may leave helpers behind.
  const killGroup = () => { try { process.kill(-proc.pid, 'SIGKILL'); } catch (_) { /* already gone */ } };
  process.once('exit', killGroup); // even when the caller crashes
  return {
    proc,
    exited,
    get log() { return log; },
    stop: async () => {
      killGroup();
      await exited;
      process.off('exit', killGroup);
      rmSync(home, { recursive: true, force: true }); // a Firefox profile is ~20 MB
    },
  };
}

/** "Chromium 156.0…" / "Mozilla Firefox 153.8.0esr". */
export async function browserVersion(browser) {
  const cmd = browser === 'chromium' ? process.env.CHROMIUM || '/usr/bin/chromium' : process.env.FIREFOX || '/usr/bin/firefox-esr';
  const { stdout } = await run(cmd, ['--version']);
  return stdout.trim().split('\n').pop();
}
