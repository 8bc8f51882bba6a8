import { describe, expect, it } from 'vitest';
import { isDuplicateKey, placeholders, qualified } from './sql.ts';

describe('sql helpers', () => {
  it('quotes plain identifiers and refuses anything else', () => {
    expect(qualified('tg_supplier_abc123', 'inventory_levels')).toBe(
      '`tg_supplier_abc123`.`inventory_levels`',
    );
    expect(() => qualified('tg`; drop database x; --', 'offers')).toThrow(/invalid database/);
    expect(() => qualified('tg', 'offers`')).toThrow(/invalid table/);
  });
  it('builds placeholders for at least one value', () => {
    expect(placeholders(3)).toBe('?, ?, ?');
    expect(() => placeholders(0)).toThrow();
  });
  it('recognises duplicate keys, optionally by key name', () => {
    const err = {
      name: 'UniqueConstraintViolationException',
      message: "Duplicate entry 'x' for key 'variants_sku_uq'",
    };
    expect(isDuplicateKey(err)).toBe(true);
    expect(isDuplicateKey(err, 'variants_sku_uq')).toBe(true);
    expect(isDuplicateKey(err, 'variants_gtin_uq')).toBe(false);
    expect(isDuplicateKey({ cause: { code: 'ER_DUP_ENTRY' } })).toBe(true);
    expect(isDuplicateKey(new Error('Deadlock found'))).toBe(false);
  });
});
