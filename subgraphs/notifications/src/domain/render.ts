/**
 * The template language: text with `{{path}}` placeholders, nothing else. A
 * path is dot-separated names (`order.number`) looked up in the data built
 * from the event's payload, own properties only (no prototype, no
 * `constructor`, no getters run); a value that is not a string, number or
 * boolean renders as empty text. There are no loops, conditions, helpers or
 * expressions, so a template written by staff cannot run code or reach
 * anything but the event's values. Each output escapes the values for where
 * they land (HTML for the email's HTML body, Slack's control characters for
 * Slack); the template's own text is the staff's and is not escaped.
 */

/** One name of a path: letters, digits and `_`, not starting with a digit. */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const PLACEHOLDER = new RegExp(`\\{\\{\\s*(${NAME}(?:\\.${NAME})*)\\s*\\}\\}`, 'g');
/** Names that would reach an object's machinery rather than its data. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'prototype', 'constructor']);

export type TemplateData = { readonly [name: string]: TemplateValue };
export type TemplateValue = string | number | boolean | null | undefined | TemplateData;

export type Escape = (value: string) => string;

export const noEscape: Escape = (v) => v;

export const escapeHtml: Escape = (v) =>
  v
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export const escapeSlack: Escape = (v) =>
  v.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Why `template` is not a valid template (a `{{` that is not a well-formed placeholder), or null. */
export function templateProblem(template: string): string | null {
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    return 'Placeholders are written {{name}} or {{name.sub}} (letters, digits and _ only)';
  }
  for (const match of template.matchAll(PLACEHOLDER)) {
    const names = match[1]!.split('.');
    if (names.some((n) => FORBIDDEN_NAMES.has(n))) return `{{${match[1]}}} is not a value`;
  }
  return null;
}

/** The value at `path` of `data`, own properties of plain data only. */
function lookup(data: TemplateData, path: string): string {
  let current: TemplateValue = data;
  for (const name of path.split('.')) {
    if (FORBIDDEN_NAMES.has(name)) return '';
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, name)) return '';
    const descriptor = Object.getOwnPropertyDescriptor(current, name);
    // a getter is code: never run it
    if (!descriptor || !('value' in descriptor)) return '';
    current = descriptor.value as TemplateValue;
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return '';
}

/**
 * Replaces each placeholder of `template` by its escaped value. A malformed
 * `{{` is left as written (the mutation refuses such templates; seeded ones are tested).
 */
export function render(template: string, data: TemplateData, escapeValue: Escape = noEscape): string {
  return template.replace(PLACEHOLDER, (_, path: string) => escapeValue(lookup(data, path)));
}

/** The HTML body of an email whose template has no HTML: the text, escaped, with its line breaks. */
export function textToHtml(text: string): string {
  return `<!doctype html><html><body><p>${escapeHtml(text).replaceAll(/\r?\n/g, '<br>\n')}</p></body></html>`;
}
