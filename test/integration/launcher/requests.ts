/**
 * What the suite may ask the offline launcher to do in the browser, where the extension host cannot
 * reach: photograph the workbench, read then close a notification, press a notification's button.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LauncherRequest } from './browser';

const NOTIFICATION_MS = 30_000;

export async function answerRequest(request: LauncherRequest, page: Page, resultsDir: string): Promise<Record<string, unknown>> {
  try {
    return await dispatch(request, page, resultsDir);
  } catch (error) {
    // What the workbench showed when the request failed, for the person reading the failure.
    const path = join(resultsDir, 'integration', `${request.id.replace(/[^\w-]/g, '_')}-failure.png`);
    await page.screenshot({ path }).catch(() => undefined);
    throw new Error(`${(error as Error).message} (screenshot ${path})`);
  }
}

function dispatch(request: LauncherRequest, page: Page, resultsDir: string): Promise<Record<string, unknown>> {
  switch (request.kind) {
    case 'screenshot':
      return screenshot(page, resultsDir, String(request.name));
    case 'closeNotification':
      return closeNotification(page, String(request.containing));
    case 'clickNotificationButton':
      return clickNotificationButton(page, String(request.containing), String(request.button));
    default:
      throw new Error(`unknown request kind ${request.kind}`);
  }
}

async function screenshot(page: Page, resultsDir: string, name: string): Promise<{ path: string }> {
  if (!/^[\w-]+$/.test(name)) throw new Error(`bad screenshot name ${name}`);
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return { path };
}

/** The notification whose text contains `containing`, in the notification center (opened if needed). */
async function findNotification(page: Page, containing: string) {
  const center = page.locator('.notifications-center');
  if (!(await center.isVisible())) await page.locator('[id="status.notifications"]').click();
  await center.waitFor({ state: 'visible', timeout: NOTIFICATION_MS });
  const item = center.locator('.notification-list-item', { hasText: containing }).first();
  await item.waitFor({ state: 'visible', timeout: NOTIFICATION_MS });
  return item;
}

/** Presses a notification's button (a progress notification's Cancel), as a person would; returns its message. */
async function clickNotificationButton(page: Page, containing: string, button: string): Promise<{ text: string }> {
  const item = await findNotification(page, containing);
  const text = await item.locator('.notification-list-item-message').innerText();
  await item.hover();
  await item.locator('.monaco-button', { hasText: button }).first().click();
  return { text };
}

/**
 * Opens the notification center (toasts of a headless page are not reliably shown), waits for the
 * notification whose text contains `containing`, returns its message and clears it, which settles
 * the extension's pending showErrorMessage with `undefined`.
 */
async function closeNotification(page: Page, containing: string): Promise<{ text: string }> {
  const item = await findNotification(page, containing);
  const text = await item.locator('.notification-list-item-message').innerText();
  await item.hover();
  await item.locator('.codicon-notifications-clear').click();
  await item.waitFor({ state: 'detached', timeout: NOTIFICATION_MS });
  return { text };
}
