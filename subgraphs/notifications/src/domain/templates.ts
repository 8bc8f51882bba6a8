/** Templates: the seeded defaults and platform staff's edits. */
import type { EntityManager, UnitContext } from '@tradegraph/shared';
import type { NotificationsServices } from '../services.ts';
import { allTemplates, saveTemplate, seedTemplate, type TemplateRecord } from '../store/templates.ts';
import { DEFAULT_TEMPLATES, type NotificationEventType } from './catalogue.ts';
import { fail } from './errors.ts';
import { templateProblem } from './render.ts';

export const SUBJECT_MAX_LENGTH = 200;
export const TEXT_MAX_LENGTH = 5000;
export const HTML_MAX_LENGTH = 20_000;
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;

/** Writes the built-in templates where no row exists yet (start-up; staff edits are kept). */
export async function seedDefaultTemplates(em: EntityManager): Promise<void> {
  for (const { eventType, locale, template } of DEFAULT_TEMPLATES) {
    await seedTemplate(em, { eventType, locale, ...template });
  }
}

export const listTemplates = (em: EntityManager, eventType: NotificationEventType | null | undefined) =>
  allTemplates(em, eventType);

function checkPart(value: string, field: string, max: number, required: boolean): void {
  if (required && !value.trim()) fail('REQUIRED', `The ${field} is required`, field);
  if (value.length > max) fail('TOO_LONG', `The ${field} may have at most ${max} characters`, field);
  const problem = templateProblem(value);
  if (problem) fail('INVALID', problem, field);
}

export async function updateTemplate(
  tx: UnitContext<NotificationsServices>,
  input: {
    eventType: NotificationEventType;
    locale: string;
    subject: string;
    text: string;
    html?: string | null;
  },
): Promise<TemplateRecord> {
  const locale = input.locale.trim().toLowerCase();
  if (!LOCALE.test(locale) || locale.length > 35)
    fail('INVALID', 'Give a language tag such as en, de or fr-ca', 'locale');
  checkPart(input.subject, 'subject', SUBJECT_MAX_LENGTH, true);
  checkPart(input.text, 'text', TEXT_MAX_LENGTH, true);
  const html = input.html?.trim() ? input.html : null;
  if (html !== null) checkPart(html, 'html', HTML_MAX_LENGTH, false);
  const template: TemplateRecord = {
    eventType: input.eventType,
    locale,
    subject: input.subject.trim(),
    text: input.text,
    html,
    updatedAt: new Date(),
  };
  const by = tx.principal.kind === 'user' ? tx.principal.userId : null;
  await saveTemplate(tx.em, template, by);
  return template;
}
