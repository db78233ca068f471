// What suite 4 watches in the browser while hostile content is on screen: script executions (a
// `__xss(marker)` binding exposed to every frame, dialogs), requests to `/xss/<marker>` or to
// javascript:/data: URLs, navigations away and popups, and every CSP violation the page reports
// (`securitypolicyviolation`), split into those a payload caused (its marker or a blocked `/xss/`
// URL shows in the report) and our own. Installed on the context before the PWA's first load.
import type { BrowserContext, Page } from '@playwright/test';

export interface CspViolation {
  readonly directive: string;
  readonly blocked: string;
  readonly sample: string;
  readonly source: string;
}

export const MARKER = /xm[a-z]\d{4}q/;

export interface HostileWatch {
  /** Markers whose script ran (binding calls and dialogs). */
  readonly executed: string[];
  /** URLs requested by a payload (`/xss/…`, javascript:, data:, vbscript:). */
  readonly fetched: string[];
  readonly navigatedAway: string[];
  readonly popups: string[];
  readonly cspByPayload: CspViolation[];
  readonly cspOurs: CspViolation[];
  /** Attaches the page-level listeners (dialogs, main-frame navigations). */
  watchPage(page: Page): void;
}

export async function watchHostileContent(
  context: BrowserContext,
  origin: string,
): Promise<HostileWatch> {
  const watch: HostileWatch = {
    executed: [],
    fetched: [],
    navigatedAway: [],
    popups: [],
    cspByPayload: [],
    cspOurs: [],
    watchPage(page) {
      page.on('dialog', (dialog) => {
        watch.executed.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('framenavigated', (frame) => {
        if (frame !== page.mainFrame()) return;
        const url = frame.url();
        if (!url.startsWith(origin) || url.includes('/xss/')) watch.navigatedAway.push(url);
      });
    },
  };
  await context.exposeBinding('__xss', (_source, marker: unknown) => {
    watch.executed.push(String(marker));
  });
  await context.exposeBinding('__veilCspViolation', (_source, report: CspViolation) => {
    const byPayload = MARKER.test(`${report.blocked} ${report.sample}`);
    (byPayload ? watch.cspByPayload : watch.cspOurs).push(report);
  });
  await context.addInitScript(() => {
    const report = (window as unknown as Record<string, (r: unknown) => void>)[
      '__veilCspViolation'
    ];
    window.addEventListener(
      'securitypolicyviolation',
      (event) =>
        report?.({
          directive: event.effectiveDirective,
          blocked: event.blockedURI,
          sample: event.sample,
          source: `${event.sourceFile}:${event.lineNumber}`,
        }),
      true,
    );
  });
  context.on('request', (request) => {
    const url = request.url();
    if (/\/xss\/|^(javascript|data|vbscript):/i.test(url) && !url.startsWith('data:image/'))
      watch.fetched.push(url);
  });
  context.on('page', (page) => watch.popups.push(page.url()));
  return watch;
}

/** Markup a payload could have created inside the given elements, and dangerous markup anywhere. */
export interface DomAudit {
  /** Elements found inside elements that must hold text only. */
  readonly elementsInText: string[];
  /** script (outside head), iframe, object, embed, frame, base, meta refresh, javascript: links. */
  readonly dangerous: string[];
  /** Elements carrying an inline event handler attribute (on…). */
  readonly handlers: string[];
}

export function auditDom(page: Page, textOnly: string): Promise<DomAudit> {
  return page.evaluate((selector) => {
    const describe = (el: Element): string => el.outerHTML.slice(0, 120);
    const elementsInText = [...document.querySelectorAll(selector)].flatMap((el) =>
      [...el.querySelectorAll('*')].map(describe),
    );
    const dangerous = [
      ...document.querySelectorAll(
        'body script, iframe, object, embed, frame, frameset, portal, body base, ' +
          'body meta, a[href^="javascript:" i], a[href^="data:" i], [src^="javascript:" i], ' +
          'form[action^="javascript:" i], link[href*="/xss/"], img[src*="/xss/"]',
      ),
    ]
      // SvelteKit's own bootstrap script (allowed by the CSP by its hash) is the one script in body.
      .filter((el) => !(el.tagName === 'SCRIPT' && el.textContent.includes('__sveltekit_')))
      .map(describe);
    const handlers = [...document.querySelectorAll('*')]
      .filter((el) => [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on')))
      .map(describe);
    return { elementsInText, dangerous, handlers };
  }, textOnly);
}
