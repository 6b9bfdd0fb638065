import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../apps/api/src/config.js';

/** The shipped configuration: the suite runs it as an operator would, with its nodes filled in. */
export const shippedConfig = path.join(projectRoot, 'deploy/nginx/tandem.conf');

/** nginx's executable (Debian's `nginx-light` puts it in /usr/sbin), or why there is none. */
export function findNginx(): { ok: true; bin: string } | { ok: false; why: string } {
  for (const bin of ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(bin, ['-v']).status === 0) return { ok: true, bin };
  }
  return { ok: false, why: 'no nginx executable (apt-get install -y nginx-light)' };
}

export interface Nginx {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Runs nginx in the foreground on a free port, from a folder of its own (`-p`), with the shipped
 * configuration pointing at `nodes` (`127.0.0.1:port` each).
 */
export async function startNginx(bin: string, nodes: string[]): Promise<Nginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-nginx-'));
  // Workers run as an unprivileged user when nginx is started by root: they must reach the folder.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const site = readFileSync(shippedConfig, 'utf8')
    .replace(/^\s*server \d+\.\d+\.\d+\.\d+:\d+;\n/gm, '')
    .replace(/(hash \$tandem_node_key consistent;\n)/, `$1${nodes.map((node) => `    server ${node};\n`).join('')}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (!nodes.every((node) => site.includes(`server ${node};`))) throw new Error('the upstream block was not found');
  writeFileSync(path.join(dir, 'tandem.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${path.join(dir, kind)};`)
    .join('\n  ');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp}
  include ${path.join(dir, 'tandem.conf')};
}
`,
  );
  const child = spawn(
    bin,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (
    !(await fetch(`${url}/health`)
      .then((response) => response.ok)
      .catch(() => false))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = path.join(dir, 'error.log');
      throw new Error(`nginx did not start: ${output}${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
