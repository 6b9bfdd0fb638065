import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, signIn, useBrowsers } from './support/harness.js';

describeInBrowser('web app: what the app says when something is refused', () => {
  const browsers = useBrowsers();

  it('says why a private room stays closed in one sentence, beside the Online list, not over it', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, 'Grace');
    await grace.getByTestId('presence').filter({ hasText: 'Grace' }).waitFor();

    const roomName = `Board room ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-private').check();
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    await ada.getByTestId('current-room-share').click();
    const roomId = await ada.getByTestId('current-room-id').innerText();

    await grace.getByTestId('room-join-id').fill(roomId);
    await grace.getByTestId('room-join-submit').click();
    const notice = grace.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.innerText()).toContain(
      'Could not join the room: a valid invite code is needed to join this private room.',
    );
    expect((await notice.innerText()).split(':')).toHaveLength(2);

    const toast = await notice.boundingBox();
    const online = await grace.getByTestId('presence').boundingBox();
    if (!toast || !online) throw new Error('the notice or the Online list is not on screen');
    expect(toast.x + toast.width).toBeLessThanOrEqual(online.x);
    await screenshot(grace, 'notice-private-room');
  }, 60_000);

  it('says what a room id looks like when the one typed is not one', async () => {
    const [, grace] = browsers.pages;
    await grace.getByTestId('room-join-id').fill('room-42');
    await grace.getByTestId('room-join-submit').click();
    const problem = grace.getByRole('alert').filter({ hasText: 'Room id' });
    await problem.waitFor();
    expect(await problem.innerText()).toBe(
      'Room id must be a UUID, 36 characters such as 123e4567-e89b-42d3-a456-426614174000.',
    );
  }, 30_000);
});
