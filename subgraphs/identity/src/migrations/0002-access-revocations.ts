import { Migration } from '@mikro-orm/migrations';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * Revocations of access (docs/security.md): each row ends the matching access
 * tokens issued before `not_before`. Identity serves recent rows to the router
 * (Redis or its revocation feed); rows older than any token's lifetime can go.
 */
export class AccessRevocations extends Migration {
  override name = '0002-access-revocations';

  up(): void {
    this.addSql(`create table access_revocations (
      id varchar(64) not null primary key,
      user_id varchar(64) null,
      organization_id varchar(64) null,
      session_id varchar(64) null,
      api_key_id varchar(64) null,
      not_before datetime(3) not null,
      reason varchar(40) not null,
      created_at datetime(3) not null,
      key access_revocations_created_idx (created_at)
    ) ${T}`);
  }
}
