import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import type { Socket } from 'socket.io-client';
import { connect, nextEvent, socketFor } from './support/clients.js';
import { useServer } from './support/server.js';

const adminNamespace = '/admin';
const username = 'operator';
const password = 'correct horse battery';

/** A socket of the Admin UI's namespace, signing in as the UI does (handshake `auth`). */
function adminSocket(url: string, auth: Record<string, string>): Socket {
  const socket = socketFor(url, adminNamespace);
  socket.auth = auth;
  return socket;
}

interface ServerStats {
  serverId: string;
  namespaces: { name: string; socketsCount: number }[];
}

describe('Socket.IO Admin UI', () => {
  describe('when not configured', () => {
    const server = useServer();

    it('serves no page and has no admin namespace', async () => {
      expect((await fetch(`${server().url}/admin/socket-io/`)).status).toBe(404);
      await expect(connect(adminSocket(server().url, { username, password }))).rejects.toThrow('Invalid namespace');
    });
  });

  describe('when configured', () => {
    const server = useServer(() => ({ ADMIN_UI_USERNAME: username, ADMIN_UI_PASSWORD: password }));

    it('serves the UI shipped in the package, with nothing loaded from another site', async () => {
      const redirect = await fetch(`${server().url}/admin/socket-io`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toBe('/admin/socket-io/');

      const page = await fetch(`${server().url}/admin/socket-io/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>Socket.IO Admin UI</title>');
      expect(html).not.toMatch(/googleapis|jsdelivr|https?:\/\//);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      expect(assets).toEqual(expect.arrayContaining(['tandem-defaults.js', 'mdi/css/materialdesignicons.min.css']));
      for (const asset of assets) {
        const response = await fetch(`${server().url}/admin/socket-io/${asset}`);
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      }
      const font = await fetch(`${server().url}/admin/socket-io/mdi/fonts/materialdesignicons-webfont.woff2`);
      expect(font.status).toBe(200);
    });

    it('refuses a wrong password, a wrong user name and no credentials', async () => {
      const attempts: Record<string, string>[] = [
        { username, password: 'wrong password' },
        { username: 'someone', password },
        {},
      ];
      for (const auth of attempts) {
        await expect(connect(adminSocket(server().url, auth))).rejects.toThrow('invalid credentials');
      }
    });

    it('signs in with the configured credentials and reports the namespaces', async () => {
      const socket = adminSocket(server().url, { username, password });
      const session = nextEvent<string>(socket, 'session');
      const stats = nextEvent<ServerStats>(socket, 'server_stats');
      await connect(socket);
      expect(await session).toMatch(/^[0-9a-f]{16}$/);
      const names = (await stats).namespaces.map((namespace) => namespace.name);
      expect(names).toEqual(expect.arrayContaining(['/chat', '/scoreboard', '/lists']));
      expect((await stats).serverId).toContain(`#${process.pid}`);
    });
  });

  describe('with a bcrypt hash as the password', () => {
    const server = useServer(async () => ({
      ADMIN_UI_USERNAME: username,
      ADMIN_UI_PASSWORD: await bcrypt.hash(password, 4),
    }));

    it('takes the hash as is', async () => {
      await expect(connect(adminSocket(server().url, { username, password }))).resolves.toBeDefined();
      await expect(connect(adminSocket(server().url, { username, password: 'x' }))).rejects.toThrow(
        'invalid credentials',
      );
    });
  });
});
