// Starts the real server binary on a fresh database for one test file.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function serverBinary() {
  if (process.env.RHT_BIN) return process.env.RHT_BIN;
  // Cargo builds into CARGO_TARGET_DIR when it is set (a shared target directory).
  const target = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
  for (const profile of ['debug', 'release']) {
    const p = join(target, profile, 'raterhub-tracker');
    if (existsSync(p)) return p;
  }
  throw new Error('server binary not built: run `cargo build -p server` first');
}

/**
 * A server on its own temporary SQLite database. `start()` may be called again after
 * `stop()`: it reuses the same database, secret and port, like a real restart.
 */
export class TestServer {
  constructor({ env = {} } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'rht-e2e-'));
    this.env = {
      DATABASE_URL: `sqlite://${join(this.dir, 'rht.db')}?mode=rwc`,
      SECRET_KEY: randomBytes(48).toString('hex'),
      RUST_LOG: 'warn',
      ...env,
    };
    this.port = 0;
    this.proc = null;
    this.log = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const proc = spawn(serverBinary(), ['serve'], {
      env: { ...process.env, ...this.env, LISTEN_ADDR: `127.0.0.1:${this.port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stderr.on('data', (d) => { this.log += d; });
    await new Promise((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log}`)), 30_000);
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/[\d.]+:(\d+)/);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          resolveStart();
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log}`));
      });
    });
    return this;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
    this.proc = null;
  }

  /** POST a GraphQL operation; returns the parsed JSON body ({data, errors}). */
  async gql(query, variables = {}, token) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  }

  /** Registers a user and returns { token, user }. */
  async register(email, password = 'correct horse battery staple', timezone = 'UTC') {
    const r = await this.gql(
      'mutation($e:String!,$p:String!,$t:String){register(email:$e,password:$p,timezone:$t){token user{id email}}}',
      { e: email, p: password, t: timezone },
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.register;
  }
}
