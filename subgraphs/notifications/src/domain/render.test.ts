import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeSlack, render, templateProblem, textToHtml } from './render.ts';

describe('render', () => {
  it('replaces placeholders by the values at their paths', () => {
    expect(
      render('Order {{ order.number }} for {{total}}', { order: { number: 'TG-1' }, total: '9.50 EUR' }),
    ).toBe('Order TG-1 for 9.50 EUR');
    expect(render('{{n}} {{b}}', { n: 3, b: true })).toBe('3 true');
  });

  it('renders unknown paths, objects and nulls as empty text', () => {
    expect(
      render('[{{missing}}][{{order}}][{{order.number.x}}][{{z}}]', { order: { number: 'x' }, z: null }),
    ).toBe('[][][][]');
  });

  it('never reaches the prototype or runs code', () => {
    const data = { order: { number: 'TG-1' } };
    expect(render('{{constructor}}{{__proto__}}{{order.constructor.name}}{{toString}}', data)).toBe('');
    expect(render('{{order.hasOwnProperty}}{{valueOf}}', data)).toBe('');
    let ran = false;
    const withGetter = Object.defineProperty({}, 'secret', {
      enumerable: true,
      get() {
        ran = true;
        return 'leaked';
      },
    });
    expect(render('{{secret}}', withGetter)).toBe('');
    expect(ran).toBe(false);
  });

  it('does not evaluate expressions or nested templates in the template or in values', () => {
    expect(render('{{ 1 + 1 }} {{process.env.HOME}} {{a[0]}}', { a: 'x' })).toBe('{{ 1 + 1 }}  {{a[0]}}');
    // a value that looks like a placeholder stays text (one pass)
    expect(render('Hi {{name}}', { name: '{{secret}}', secret: 's3cret' })).toBe('Hi {{secret}}');
  });

  it('escapes values for HTML and Slack, never the template', () => {
    const name = '<script>alert("x")</script> & <@channel>';
    expect(render('<b>{{name}}</b>', { name }, escapeHtml)).toBe(
      '<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;@channel&gt;</b>',
    );
    expect(render('*{{name}}*', { name }, escapeSlack)).toBe(
      '*&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;@channel&gt;*',
    );
    expect(escapeHtml(`'"`)).toBe('&#39;&quot;');
  });

  it('derives an escaped HTML body from text', () => {
    expect(textToHtml('a <b>\nc')).toContain('<p>a &lt;b&gt;<br>\nc</p>');
  });
});

describe('templateProblem', () => {
  it('accepts well-formed placeholders and plain text', () => {
    expect(templateProblem('Hello {{user.name}}, order {{ order.number }}')).toBeNull();
    expect(templateProblem('no placeholders { at all }')).toBeNull();
  });

  it('refuses malformed placeholders and names that reach the prototype', () => {
    expect(templateProblem('{{ 1 + 1 }}')).not.toBeNull();
    expect(templateProblem('{{a[0]}}')).not.toBeNull();
    expect(templateProblem('{{#each x}}')).not.toBeNull();
    expect(templateProblem('{{name}')).not.toBeNull();
    expect(templateProblem('x }} y')).not.toBeNull();
    expect(templateProblem('{{constructor.name}}')).not.toBeNull();
    expect(templateProblem('{{a.__proto__}}')).not.toBeNull();
  });
});
