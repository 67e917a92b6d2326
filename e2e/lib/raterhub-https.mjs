// The fake RaterHub over real HTTPS, for browsers started without any automation protocol
// (the real-key hotkey check). A throwaway CA signs a certificate for *.raterhub.com; an HTTP
// proxy on loopback hands CONNECTs to raterhub.com to the in-process HTTPS server and refuses
// everything else, so nothing leaves the machine. Pages report to POST /__report; the log is
// kept here, in Node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { fixtureResponse } from '../fixtures/raterhub.mjs';

const RATERHUB_HOST = /^([a-z0-9-]+\.)*raterhub\.com$/i;

/** A CA and a leaf certificate for www.raterhub.com, in a new temporary directory (openssl). */
export function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), 'rht-tls-'));
  const p = (f) => join(dir, f);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=RaterHub Tracker test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', p('leaf.key'), '-out', p('leaf.csr'), '-subj', '/CN=www.raterhub.com');
  writeFileSync(p('leaf.ext'), 'subjectAltName=DNS:www.raterhub.com,DNS:raterhub.com\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('leaf.pem'),
    '-days', '2', '-extfile', p('leaf.ext'));
  return { dir, caPath: p('ca.pem'), cert: readFileSync(p('leaf.pem')), key: readFileSync(p('leaf.key')) };
}

/** An NSS certificate database in `dbDir` that trusts the test CA (Chromium's ~/.pki/nssdb, Firefox's profile). */
export function trustCa(dbDir, caPath) {
  execFileSync('certutil', ['-N', '-d', `sql:${dbDir}`, '--empty-password'], { stdio: 'pipe' });
  execFileSync('certutil', ['-A', '-d', `sql:${dbDir}`, '-n', 'rht-test-ca', '-t', 'C,,', '-i', caPath], { stdio: 'pipe' });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * Starts the HTTPS fixture server and the proxy. `decorate(html, url)` may rewrite each HTML
 * page (the check injects its page harness this way). Returns
 * { proxyPort, caPath, reports, waitForReport(pred, ms), close() }.
 */
export async function startFakeRaterHub({ decorate = (html) => html } = {}) {
  const tls = makeCertificates();
  const reports = [];
  const waiters = new Set();
  const site = https.createServer({ cert: tls.cert, key: tls.key }, async (req, res) => {
    const url = new URL(req.url, 'https://www.raterhub.com');
    if (req.method === 'POST' && url.pathname === '/__report') {
      const entry = JSON.parse(await readBody(req));
      reports.push(entry);
      for (const w of waiters) w();
      res.writeHead(204).end();
      return;
    }
    const r = fixtureResponse(url);
    const body = r.contentType.startsWith('text/html') ? decorate(r.body, url) : r.body;
    res.writeHead(r.status, { 'content-type': r.contentType, 'cache-control': 'no-store' }).end(body);
  });
  const proxy = http.createServer((req, res) => res.writeHead(403).end('only raterhub.com over CONNECT'));
  proxy.on('connect', (req, socket, head) => {
    socket.on('error', () => {}); // a browser killed mid-request resets its connections
    const [host] = String(req.url).split(':');
    if (!RATERHUB_HOST.test(host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head && head.length) socket.unshift(head);
    site.emit('connection', socket);
  });
  proxy.on('clientError', (_e, socket) => socket.destroy());
  site.on('tlsClientError', () => {});
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));

  /** Resolves with the first report matching `pred`, or null after `ms`. */
  const waitForReport = (pred, ms) => new Promise((resolve) => {
    const check = () => {
      const hit = reports.find(pred);
      if (!hit) return;
      finish(hit);
    };
    const timer = setTimeout(() => finish(null), ms);
    const finish = (v) => { clearTimeout(timer); waiters.delete(check); resolve(v); };
    waiters.add(check);
    check();
  });

  return {
    proxyPort: proxy.address().port,
    caPath: tls.caPath,
    reports,
    waitForReport,
    close: () => {
      rmSync(tls.dir, { recursive: true, force: true });
      proxy.closeAllConnections?.();
      site.closeAllConnections?.();
      proxy.close();
      site.close();
    },
  };
}
