import { dbDate, type EntityManager, rows } from '@tradegraph/shared';
import type { NotificationEventType, TemplateText } from '../domain/catalogue.ts';

export interface TemplateRecord extends TemplateText {
  eventType: NotificationEventType;
  locale: string;
  /** Null for a seeded default nobody edited. */
  updatedAt: Date | null;
}

type TemplateRow = {
  event_type: NotificationEventType;
  locale: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  updated_at: Date | string | null;
};

const templateOf = (r: TemplateRow): TemplateRecord => ({
  eventType: r.event_type,
  locale: r.locale,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  updatedAt: r.updated_at === null ? null : dbDate(r.updated_at),
});

const SELECT = 'select event_type, locale, subject, text_body, html_body, updated_at from templates';

/** The templates of `eventType` in any of `locales`. */
export async function templatesIn(
  em: EntityManager,
  eventType: NotificationEventType,
  locales: readonly string[],
): Promise<TemplateRecord[]> {
  const found = await rows<TemplateRow>(
    em,
    `${SELECT} where event_type = ? and locale in (${locales.map(() => '?').join(', ')})`,
    [eventType, ...locales],
  );
  return found.map(templateOf);
}

export async function allTemplates(
  em: EntityManager,
  eventType?: NotificationEventType | null,
): Promise<TemplateRecord[]> {
  const found = await rows<TemplateRow>(
    em,
    `${SELECT}${eventType ? ' where event_type = ?' : ''} order by event_type, locale`,
    eventType ? [eventType] : [],
  );
  return found.map(templateOf);
}

/** Writes a seeded default unless a row for (event type, locale) exists (staff edits are kept). */
export async function seedTemplate(em: EntityManager, t: Omit<TemplateRecord, 'updatedAt'>): Promise<void> {
  await em.execute(
    'insert ignore into templates (event_type, locale, subject, text_body, html_body) values (?, ?, ?, ?, ?)',
    [t.eventType, t.locale, t.subject, t.text, t.html],
  );
}

export async function saveTemplate(
  em: EntityManager,
  t: TemplateRecord,
  updatedBy: string | null,
): Promise<void> {
  await em.execute(
    `insert into templates (event_type, locale, subject, text_body, html_body, updated_at, updated_by)
     values (?, ?, ?, ?, ?, ?, ?)
     on duplicate key update subject = values(subject), text_body = values(text_body), html_body = values(html_body),
       updated_at = values(updated_at), updated_by = values(updated_by)`,
    [t.eventType, t.locale, t.subject, t.text, t.html, t.updatedAt, updatedBy],
  );
}
