import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';

/**
 * Projections of other services' events: organisations, accounts (users and
 * shoppers with their emails), memberships, orders and stock levels. Rows are
 * parsed into typed records here.
 */

export interface OrganizationRecord {
  id: string;
  name: string;
  kind: string;
  eventAt: Date;
}

export async function findOrganization(em: EntityManager, id: string): Promise<OrganizationRecord | null> {
  const [row] = await rows<{ id: string; name: string; kind: string; event_at: Date | string }>(
    em,
    'select id, name, kind, event_at from organizations where id = ?',
    [id],
  );
  return row ? { id: row.id, name: row.name, kind: row.kind, eventAt: dbDate(row.event_at) } : null;
}

export async function saveOrganization(em: EntityManager, org: OrganizationRecord): Promise<void> {
  await em.execute(
    `insert into organizations (id, name, kind, event_at) values (?, ?, ?, ?)
     on duplicate key update name = values(name), kind = values(kind), event_at = values(event_at)`,
    [org.id, org.name, org.kind, org.eventAt],
  );
}

export interface AccountRecord {
  id: string;
  kind: 'MEMBER' | 'CUSTOMER';
  email: string;
  name: string;
  eventAt: Date;
  /** From contacts; 'en' when the account set none. */
  locale: string;
  phoneNumber: string | null;
}

type AccountRow = {
  id: string;
  kind: 'MEMBER' | 'CUSTOMER';
  email: string;
  name: string;
  event_at: Date | string;
  locale: string | null;
  phone_number: string | null;
};

const accountOf = (r: AccountRow): AccountRecord => ({
  id: r.id,
  kind: r.kind,
  email: r.email,
  name: r.name,
  eventAt: dbDate(r.event_at),
  locale: r.locale ?? 'en',
  phoneNumber: r.phone_number,
});

const ACCOUNT_SELECT = `select a.id, a.kind, a.email, a.name, a.event_at, c.locale, c.phone_number
  from accounts a left join contacts c on c.account_id = a.id`;

export async function findAccounts(em: EntityManager, ids: readonly string[]): Promise<AccountRecord[]> {
  if (!ids.length) return [];
  const found = await rows<AccountRow>(em, `${ACCOUNT_SELECT} where a.id in (${placeholders(ids.length)})`, [
    ...ids,
  ]);
  return found.map(accountOf);
}

export async function findAccountByEmail(em: EntityManager, email: string): Promise<AccountRecord | null> {
  const [row] = await rows<AccountRow>(em, `${ACCOUNT_SELECT} where a.email = ? limit 1`, [email]);
  return row ? accountOf(row) : null;
}

export async function saveAccount(
  em: EntityManager,
  account: Pick<AccountRecord, 'id' | 'kind' | 'email' | 'name' | 'eventAt'>,
): Promise<void> {
  await em.execute(
    `insert into accounts (id, kind, email, name, event_at) values (?, ?, ?, ?, ?)
     on duplicate key update kind = values(kind), email = values(email), name = values(name), event_at = values(event_at)`,
    [account.id, account.kind, account.email, account.name, account.eventAt],
  );
}

/** The accounts of an organisation's members (those whose registration has arrived). */
export async function membersOf(em: EntityManager, organizationId: string): Promise<AccountRecord[]> {
  const found = await rows<AccountRow>(
    em,
    `${ACCOUNT_SELECT} join memberships m on m.user_id = a.id where m.organization_id = ? order by a.id`,
    [organizationId],
  );
  return found.map(accountOf);
}

export async function saveMembership(
  em: EntityManager,
  m: { organizationId: string; userId: string; role: string },
): Promise<void> {
  await em.execute(
    `insert into memberships (organization_id, user_id, role) values (?, ?, ?)
     on duplicate key update role = values(role)`,
    [m.organizationId, m.userId, m.role],
  );
}

export async function deleteMembership(
  em: EntityManager,
  organizationId: string,
  userId: string,
): Promise<void> {
  await em.execute('delete from memberships where organization_id = ? and user_id = ?', [
    organizationId,
    userId,
  ]);
}

export interface OrderRecord {
  id: string;
  number: string;
  retailerId: string;
  customerId: string | null;
  /** The checkout email, when the event carried one. */
  email: string | null;
  currencyCode: string;
  totalMinor: bigint;
}

export async function findOrder(em: EntityManager, id: string): Promise<OrderRecord | null> {
  const [row] = await rows<{
    id: string;
    number: string;
    retailer_id: string;
    customer_id: string | null;
    email: string | null;
    currency_code: string;
    total_minor: string | number;
  }>(
    em,
    'select id, number, retailer_id, customer_id, email, currency_code, total_minor from orders where id = ?',
    [id],
  );
  return row
    ? {
        id: row.id,
        number: row.number,
        retailerId: row.retailer_id,
        customerId: row.customer_id,
        email: row.email,
        currencyCode: row.currency_code,
        totalMinor: BigInt(row.total_minor),
      }
    : null;
}

/** An order's facts never change after placement: the first write wins. */
export async function insertOrder(em: EntityManager, o: OrderRecord): Promise<void> {
  await em.execute(
    `insert ignore into orders (id, number, retailer_id, customer_id, email, currency_code, total_minor)
     values (${placeholders(7)})`,
    [o.id, o.number, o.retailerId, o.customerId, o.email, o.currencyCode, o.totalMinor.toString()],
  );
}

/**
 * Records the variant's stock and whether it is low; answers whether it was
 * low before (null: never seen). Locks the row, so two stock events of one
 * variant cannot both see "not low before".
 */
export async function recordStockLevel(
  em: EntityManager,
  level: { supplierId: string; variantId: string; totalAvailable: number; low: boolean },
): Promise<boolean | null> {
  const [row] = await rows<{ low: number }>(
    em,
    'select low from stock_levels where supplier_id = ? and variant_id = ? for update',
    [level.supplierId, level.variantId],
  );
  await em.execute(
    `insert into stock_levels (supplier_id, variant_id, total_available, low) values (?, ?, ?, ?)
     on duplicate key update total_available = values(total_available), low = values(low)`,
    [level.supplierId, level.variantId, level.totalAvailable, level.low ? 1 : 0],
  );
  return row ? row.low === 1 : null;
}
