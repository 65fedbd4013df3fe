import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { href, html } from './html.ts';

describe('html', () => {
  it('escapes every interpolated string, attribute quotes included', () => {
    const name = `<script>alert("x")</script>' onmouseover='1`;
    assert.equal(
      html`<p title="${name}">${name}</p>`.value,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;1">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;1</p>',
    );
  });

  it('keeps nested templates, joins arrays and prints nothing for null, undefined and false', () => {
    const items = ['a&b', 'c'].map((x) => html`<li>${x}</li>`);
    assert.equal(html`<ul>${items}${null}${undefined}${false}${0}</ul>`.value, '<ul><li>a&amp;b</li><li>c</li>0</ul>');
  });

  it('builds query strings with encoded values', () => {
    assert.equal(href('/dashboard/orders', { q: 'a b&c', state: '', after: null }), '/dashboard/orders?q=a+b%26c');
  });
});
