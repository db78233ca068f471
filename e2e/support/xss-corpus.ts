// The hostile-content corpus of suite 4 (tests/hostile-content.spec.ts), generated here rather than
// checked in: classic XSS vectors (script tags, event handlers, javascript:/data:/vbscript: URLs,
// SVG/MathML, iframe srcdoc, CSS, template and {@html} bait, markdown, polyglots) each in several
// encodings (mixed case, entities, null bytes, zero-width characters, over-long UTF-8, bidi
// wrapping, newline floods), plus spoofing strings (bidi overrides, fake "Bob: …" lines, homoglyph
// names) and huge strings. A payload is a function of a marker: whatever it would run calls
// `__xss(marker)` or fetches `/xss/<marker>`, so the suite can tell which one ran, and where.

export interface Payload {
  /** The attack class it is counted under in the suite's table. */
  readonly cls: string;
  readonly make: (marker: string) => string;
}

const call = (m: string): string => `__xss('${m}')`;
const url = (m: string): string => `/xss/${m}`;

type Vector = (m: string) => string;

const SCRIPT_TAGS: Vector[] = [
  (m) => `<script>${call(m)}</script>`,
  (m) => `<script src="${url(m)}"></script>`,
  (m) => `<script type="module">${call(m)}</script>`,
  (m) => `<script>/*</script><script>*/${call(m)}</script>`,
  (m) => `"><script>${call(m)}</script>`,
  (m) => `'--></style></script><script>${call(m)}</script>`,
  (m) => `<scr<script>ipt>${call(m)}</scr</script>ipt>`,
  (m) => `</textarea><script>${call(m)}</script>`,
  (m) => `</title><script>${call(m)}</script>`,
  (m) => `<noscript><p title="</noscript><img src=x onerror=${call(m)}>">`,
];

const HANDLER_HOSTS: [string, string][] = [
  ['img src=x', 'onerror'],
  ['img src=x', 'onload'],
  ['image src=x', 'onerror'],
  ['video src=x', 'onerror'],
  ['audio src=x', 'onerror'],
  ['video><source', 'onerror'],
  ['body', 'onload'],
  ['body', 'onpageshow'],
  ['svg', 'onload'],
  ['details open', 'ontoggle'],
  ['input autofocus', 'onfocus'],
  ['select autofocus', 'onfocus'],
  ['textarea autofocus', 'onfocus'],
  ['keygen autofocus', 'onfocus'],
  ['iframe', 'onload'],
  ['marquee', 'onstart'],
  ['object data=x', 'onerror'],
  ['div tabindex=1 id=x', 'onfocus'],
  ['a href=#', 'onclick'],
  ['div', 'onmouseover'],
  ['div style="animation-name:x"', 'onanimationstart'],
  ['style', 'onload'],
  ['link rel=stylesheet href=x', 'onerror'],
  ['embed src=x', 'onload'],
  ['form><button', 'onclick'],
  ['isindex type=image src=x', 'onerror'],
  ['xss', 'onpointerenter'],
  ['img src=x', 'onerror\u000c'],
];
const EVENT_HANDLERS: Vector[] = HANDLER_HOSTS.flatMap(([host, event]): Vector[] => [
  (m) => `<${host} ${event}=${call(m)}>`,
  (m) => `<${host} ${event}="${call(m)}">x</${host.split(' ')[0]}>`,
]);

const URL_SCHEMES: Vector[] = [
  (m) => `<a href="javascript:${call(m)}">click</a>`,
  (m) => `<a href="JaVaScRiPt:${call(m)}">click</a>`,
  (m) => `<a href=" javascript:${call(m)}">click</a>`,
  (m) => `<a href="java\tscript:${call(m)}">click</a>`,
  (m) => `<a href="&#106;avascript:${call(m)}">click</a>`,
  (m) => `<a href="data:text/html,<script>${call(m)}</script>">click</a>`,
  (m) => `<a href="data:text/html;base64,PHNjcmlwdD5fX3hzcygnJyk8L3NjcmlwdD4=#${m}">x</a>`,
  (m) => `<a href="vbscript:msgbox('${m}')">click</a>`,
  (m) => `<iframe src="javascript:${call(m)}"></iframe>`,
  (m) => `<form action="javascript:${call(m)}"><button>go</button></form>`,
  (m) => `<math href="javascript:${call(m)}">click</math>`,
  (m) => `javascript:${call(m)}`,
  (m) => `javascript://%0a${call(m)}`,
  (m) => `data:text/html,<script>${call(m)}</script>`,
  (m) => `vbscript:msgbox("${m}")`,
  (m) => `http://localhost${url(m)}`,
];

const SVG_MATHML: Vector[] = [
  (m) => `<svg><script>${call(m)}</script></svg>`,
  (m) => `<svg><animate onbegin=${call(m)} attributeName=x dur=1s>`,
  (m) => `<svg><set onbegin=${call(m)} attributeName=x to=1>`,
  (m) => `<svg><a xlink:href="javascript:${call(m)}"><text y=20>x</text></a></svg>`,
  (m) =>
    `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='${call(m)}'/></svg>#x"/></svg>`,
  (m) => `<svg><foreignObject><img src=x onerror=${call(m)}></foreignObject></svg>`,
  (m) => `<svg><style><img src=x onerror=${call(m)}></style></svg>`,
  (m) =>
    `<math><mtext><table><mglyph><style><img src=x onerror=${call(m)}></style></mglyph></table></mtext></math>`,
  (m) => `<math><mi xlink:href="javascript:${call(m)}">x</mi></math>`,
  (m) => `<svg><image href="${url(m)}"/></svg>`,
  (m) =>
    `<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror=${call(m)} src>">`,
];

const FRAMES_AND_HEAD: Vector[] = [
  (m) => `<iframe srcdoc="<script>parent.${call(m)}</script>"></iframe>`,
  (m) => `<iframe srcdoc="&lt;img src=x onerror=parent.${call(m)}&gt;"></iframe>`,
  (m) => `<iframe src="${url(m)}"></iframe>`,
  (m) => `<object data="${url(m)}"></object>`,
  (m) => `<embed src="${url(m)}">`,
  (m) => `<base href="${url(m)}/">`,
  (m) => `<meta http-equiv="refresh" content="0;url=${url(m)}">`,
  (m) => `<link rel="prefetch" href="${url(m)}">`,
  (m) => `<portal src="${url(m)}"></portal>`,
  (m) => `<frameset onload=${call(m)}>`,
];

const CSS: Vector[] = [
  (m) => `<div style="width:expression(${call(m)})">x</div>`,
  (m) => `<div style="background:url(javascript:${call(m)})">x</div>`,
  (m) => `<div style="background-image:url('${url(m)}')">x</div>`,
  (m) => `<style>@import '${url(m)}';</style>`,
  (m) => `<style>body{background:url(${url(m)})}</style>`,
  (m) => `<link rel="stylesheet" href="${url(m)}">`,
  (m) => `<div style="behavior:url(${url(m)})">x</div>`,
  (m) => `<x style="-moz-binding:url(${url(m)}#xss)">x</x>`,
];

const TEMPLATES: Vector[] = [
  (m) => `{@html '<img src=x onerror=${call(m)}>'}`,
  (m) => `{@html "<script>${call(m)}</script>"}`,
  (m) => `{${call(m)}}`,
  (m) => `{{constructor.constructor("${call(m)}")()}}`,
  (m) => `\${${call(m)}}`,
  (m) => `\`\${${call(m)}}\``,
  (m) => `<%= ${call(m)} %>`,
  (m) => `#{${call(m)}}`,
  (m) => `{#if true}<img src=x onerror=${call(m)}>{/if}`,
  (m) => `<svelte:window onload={() => ${call(m)}} />`,
];

const MARKDOWN: Vector[] = [
  (m) => `[click](javascript:${call(m)})`,
  (m) => `[click](javascript:${call(m)} "title")`,
  (m) => `![img](${url(m)})`,
  (m) => `![img](x" onerror="${call(m)})`,
  (m) => `<javascript:${call(m)}>`,
  (m) => `[click][r]\n\n[r]: javascript:${call(m)}`,
  (m) => `[click](data:text/html,<script>${call(m)}</script>)`,
  (m) => `**<img src=x onerror=${call(m)}>**`,
  (m) => `\`\`\`html\n<script>${call(m)}</script>\n\`\`\``,
  (m) => `> <img src=x onerror=${call(m)}>`,
];

const POLYGLOTS: Vector[] = [
  (m) =>
    `jaVasCript:/*-/*\`/*\\\`/*'/*"/**/(/* */oNcliCk=${call(m)} )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=${call(m)}//>\\x3e`,
  (m) =>
    `'">><marquee><img src=x onerror=${call(m)}></marquee>"></plaintext\\></|\\><plaintext/onmouseover=${call(m)}>`,
  (m) =>
    `"'--></noscript></title></textarea></style></template></noembed></script><svg onload=${call(m)}>`,
  (m) =>
    `';${call(m)}//';${call(m)}//";${call(m)}//";${call(m)}//--></SCRIPT>">'><SCRIPT>${call(m)}</SCRIPT>`,
  (m) => `<!--<img src="--><img src=x onerror=${call(m)}//">`,
  (m) => `<![CDATA[<script>${call(m)}</script>]]>`,
];

const BASE_CLASSES: [string, Vector[]][] = [
  ['script tags', SCRIPT_TAGS],
  ['event handlers', EVENT_HANDLERS],
  ['javascript:/data:/vbscript: URLs', URL_SCHEMES],
  ['SVG and MathML', SVG_MATHML],
  ['iframe srcdoc, object, base, meta', FRAMES_AND_HEAD],
  ['CSS expressions and url()', CSS],
  ['template and {@html} bait', TEMPLATES],
  ['markdown links and images', MARKDOWN],
  ['polyglots', POLYGLOTS],
];

/** Rewrites a vector's markup, never its marker (so the marker can still be found as text). */
const outsideMarker =
  (rewrite: (s: string) => string) =>
  (text: string, m: string): string =>
    text
      .split(m)
      .map((part) => rewrite(part))
      .join(m);

const ENCODINGS: [string, (text: string, m: string) => string][] = [
  ['as is', (t) => t],
  [
    'encoded: mixed case',
    outsideMarker((s) => s.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c))),
  ],
  [
    'encoded: HTML entities',
    outsideMarker((s) =>
      s.replace(/[<>"'&]/g, (c, i: number) =>
        i % 2 ? `&#${c.charCodeAt(0)};` : `&#x${c.charCodeAt(0).toString(16)};`,
      ),
    ),
  ],
  [
    'encoded: null bytes',
    outsideMarker((s) => s.replace(/</g, '<\u0000').replace(/=/g, '\u0000=')),
  ],
  [
    'encoded: zero-width characters',
    outsideMarker((s) => s.replace(/([a-z])([a-z])/gi, '$1\u200B$2').replace(/:/g, '\u200D:')),
  ],
  [
    'encoded: over-long UTF-8 and %-escapes',
    outsideMarker((s) =>
      s
        .replace(/</g, '%C0%BC')
        .replace(/>/g, '\u00C0\u00BE')
        .replace(/"/g, '%22')
        .replace(/'/g, '\uFF07'),
    ),
  ],
  ['bidi-wrapped (RLO … PDF, RLI … PDI)', (t) => `\u202E${t}\u202C \u2067${t}\u2069`],
  ['after a newline flood', (t) => `${'\n'.repeat(40)}${t}${'\r\n'.repeat(20)}`],
];

/** Spoofing strings: each tries to look like another sender or another message. */
const SPOOFS: [string, Vector[]][] = [
  [
    'bidi controls (RLO/LRO/RLI/PDI spoofs)',
    [
      (m) => `\u202Egnp.exe ${m}`,
      (m) => `${m} \u202Dbob: pay me\u202C`,
      (m) => `\u2067bob\u2069: I changed my number ${m}`,
      (m) => `${m}\u2069\u2069\u2069 bob: it is me`,
      (m) => `\u202B\u202E${m} :bob`,
      (m) => `\u2066\u2067\u2068${m}`,
      (m) => `${m} \u061C\u200F\u200E\u202A\u202B\u202C\u202D\u202E`,
      (m) => `\u202E${m}\u202E\u202E\u202E\u202E bob`,
      (m) => `\u2068${m}`,
      (m) => `\u200F\u200F${m}\u200F: nimda`,
    ],
  ],
  [
    'fake sender lines and newline floods',
    [
      (m) => `ok ${m}\n\nbob: send me the code please`,
      (m) => `${m}${'\n'.repeat(500)}bob: this is a new message`,
      (m) => `${m}\r\rbob (verified): hi\r\r`,
      (m) => `${m}\u2028bob: hi\u2029alice: hi`,
      (m) => `${m}\u0085bob: NEL`,
      (m) => `${'\n'.repeat(2000)}${m}`,
      (m) => `${m}\n12:00 Delivered\n\nbob\n12:01\nwire the money`,
      (m) => `${m}\u000b\u000cbob: vertical tab`,
    ],
  ],
  [
    'zero-width joiners and invisible characters',
    [
      (m) => `${m}\u200D\u200D\u200D\u200B\u2060\uFEFF`,
      (m) => `j\u200Da\u200Dv\u200Da\u200Ds\u200Dc\u200Dr\u200Di\u200Dp\u200Dt:${call(m)}`,
      (m) => `<\u200Bscript>${call(m)}</script>`,
      (m) => `\u034F\u180E\u115F\u1160\u3164${m}`,
      (m) => `${m}\u{E0041}\u{E0042}\u{E007F}`,
      (m) => `\uFEFF<img src=x onerror=${call(m)}>`,
    ],
  ],
  [
    'homoglyph and look-alike text',
    [
      (m) => `Bоb ${m}`, // Cyrillic о
      (m) => `ВоЬ ${m}`, // Cyrillic В о, Ь
      (m) => `ᏴᎾᏴ ${m}`,
      (m) => `Ｂｏｂ ${m}`,
      (m) => `＜script＞${call(m)}＜/script＞`,
      (m) => `\u2039script\u203A${call(m)}\u2039/script\u203A`,
      (m) => `\uFE64script\uFE65${call(m)}`,
      (m) => `${m} раураl.com`,
    ],
  ],
];

/**
 * Huge strings, sized to what the protocol accepts (a message's text is at most 64 KiB), each with
 * its marker first: the PWA shows the first 4,000 characters of a long text until asked for more.
 */
export const HUGE: [string, Vector][] = [
  ['64 KiB message', (m) => `${m} ${'A'.repeat(64 * 1024 - 100)} ${m}`],
  ['10,000 combining marks', (m) => `${m}Z${'\u0301\u0316\u0344\u035C'.repeat(2500)}`],
  ['64 KiB of one unbroken word', (m) => `${m}${'W'.repeat(60_000)}`],
  ['1,200 family emoji (4,800 joined)', (m) => `${m}${'👩\u200D👩\u200D👧\u200D👦'.repeat(1200)}`],
  ['10,000 nested tags', (m) => `${m}${'<b>'.repeat(5000)}${m}${'</b>'.repeat(5000)}`],
];

/** Over the protocol's 64 KiB: must be refused when sent, so it is never rendered. */
export const OVERSIZED: Vector = (m) => `${m}${'B'.repeat(100 * 1024)}`;

/** Every payload for a message body: at least 1,000, each distinct. */
export function messageCorpus(): Payload[] {
  const out: Payload[] = [];
  for (const [cls, vectors] of BASE_CLASSES)
    for (const vector of vectors)
      for (const [encoding, encode] of ENCODINGS)
        out.push({
          cls: encoding === 'as is' ? cls : encoding,
          make: (m) => encode(vector(m), m),
        });
  for (const [cls, vectors] of SPOOFS) for (const make of vectors) out.push({ cls, make });
  for (const [, make] of HUGE) out.push({ cls: 'huge strings', make });
  return out;
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/**
 * Payloads for the smaller fields (group title, file name, display name): those that fit `bytes`
 * with a marker, and for display names no control characters (the protocol refuses them there).
 */
export function fieldCorpus(options: { bytes: number; noControls?: boolean }): Payload[] {
  const probe = 'xmz0000q';
  return messageCorpus().filter((payload) => {
    const text = payload.make(probe);
    // eslint-disable-next-line no-control-regex -- checking for control characters is the point
    if (options.noControls === true && /[\u0000-\u001F\u007F-\u009F]/.test(text)) return false;
    return utf8Length(text) <= options.bytes && text.trim() !== '';
  });
}
