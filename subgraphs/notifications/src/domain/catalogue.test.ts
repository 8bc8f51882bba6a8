import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, EVENT_TYPES, localeFallbacks } from './catalogue.ts';
import { channelEnabled } from './dispatch.ts';
import { isLowStock } from './intents.ts';
import { templateProblem } from './render.ts';

describe('seeded templates', () => {
  it('exist in English for every kind and are all valid templates', () => {
    for (const eventType of EVENT_TYPES) {
      expect(DEFAULT_TEMPLATES.some((t) => t.eventType === eventType && t.locale === 'en')).toBe(true);
    }
    for (const { template } of DEFAULT_TEMPLATES) {
      expect(templateProblem(template.subject)).toBeNull();
      expect(templateProblem(template.text)).toBeNull();
      if (template.html) expect(templateProblem(template.html)).toBeNull();
    }
  });
});

describe('localeFallbacks', () => {
  it('tries the tag, its language, then English', () => {
    expect(localeFallbacks('fr-CA')).toEqual(['fr-ca', 'fr', 'en']);
    expect(localeFallbacks('en')).toEqual(['en']);
    expect(localeFallbacks(null)).toEqual(['en']);
  });
});

describe('channelEnabled', () => {
  it("takes the person's setting, else the organisation's, else the channel's default", () => {
    expect(channelEnabled('EMAIL', false, true)).toBe(false);
    expect(channelEnabled('EMAIL', true, false)).toBe(true);
    expect(channelEnabled('IN_APP', undefined, false)).toBe(false);
    expect(channelEnabled('EMAIL', undefined, undefined)).toBe(true);
    expect(channelEnabled('SMS', undefined, undefined)).toBe(false);
  });
});

describe('isLowStock', () => {
  it('is low at or below the threshold', () => {
    expect(isLowStock(5, 5)).toBe(true);
    expect(isLowStock(6, 5)).toBe(false);
    expect(isLowStock(0, 0)).toBe(true);
  });
});
