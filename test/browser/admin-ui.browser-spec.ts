import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, useBrowsers, waitMs } from './support/harness.js';

const username = 'operator';
const password = 'correct horse battery';

describeInBrowser('Socket.IO Admin UI served by the app', () => {
  const browsers = useBrowsers({ people: 1, env: { ADMIN_UI_USERNAME: username, ADMIN_UI_PASSWORD: password } });

  it('loads with no other site reachable, signs in and lists the namespaces', async () => {
    const [operator] = browsers.pages;
    const elsewhere: string[] = [];
    // As if offline: any request that leaves the app fails (and is noted).
    await operator.route(
      (url) => !url.href.startsWith(browsers.baseUrl),
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort();
      },
    );
    const failed: string[] = [];
    operator.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });

    await operator.goto(`${browsers.baseUrl}/admin/socket-io/`, { timeout: waitMs });
    // The connection dialog comes with this server's address filled in.
    const serverUrl = operator.getByLabel('Server URL');
    await expect(serverUrl.inputValue({ timeout: waitMs })).resolves.toBe(browsers.baseUrl);
    await operator.getByLabel('Username').fill(username);
    await operator.getByLabel('Password').fill(password);
    await operator.getByRole('button', { name: 'Connect' }).click();
    await operator.getByText('connected', { exact: true }).first().waitFor({ timeout: waitMs });

    // The dashboard lists every namespace with its socket count.
    for (const namespace of ['/chat', '/scoreboard', '/lists']) {
      await operator.getByText(namespace, { exact: true }).first().waitFor({ timeout: waitMs });
    }
    await screenshot(operator, 'admin-ui-namespaces');
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
  });
});
