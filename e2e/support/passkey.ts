// Chromium's virtual WebAuthn authenticator over CDP: a platform passkey with user verification,
// resident keys and PRF, so passkey sign-up, sign-in and PRF vault unlock run in real Chromium.
// A credential copied into another context loses its PRF secret, so each context makes its own.
import type { Browser, Page } from '@playwright/test';

/** Gives the page's browser a platform passkey authenticator with PRF (Chromium's virtual one). */
export async function addAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
      automaticPresenceSimulation: true,
    },
  });
}

export async function pageWithAuthenticator(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
  await addAuthenticator(page);
  return page;
}
