import { Migration } from '@mikro-orm/migrations';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * Email verification and password reset (docs/identity.md). `users.email_verified_at`:
 * accounts that existed before verification did are taken as verified (they
 * could accept connections and create keys already; nothing they did needs
 * undoing). `account_tokens`: single-use, expiring secrets mailed to a user
 * (only their SHA-256 is stored); `email` is the address a verification token
 * proves (the new one for an email change).
 */
export class EmailVerification extends Migration {
  override name = '0003-email-verification';

  up(): void {
    this.addSql('alter table users add column email_verified_at datetime(3) null after email');
    this.addSql('update users set email_verified_at = created_at');
    this.addSql(`create table account_tokens (
      id varchar(64) not null primary key,
      user_id varchar(64) not null,
      purpose enum('VERIFY_EMAIL','RESET_PASSWORD') not null,
      token_hash char(64) not null,
      email varchar(254) not null,
      status enum('PENDING','USED','REPLACED') not null,
      expires_at datetime(3) not null,
      created_at datetime(3) not null,
      used_at datetime(3) null,
      unique key account_tokens_hash_uq (token_hash),
      key account_tokens_user_idx (user_id, purpose, status)
    ) ${T}`);
  }
}
