import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

// No foreign keys: the entities carry ids, not ORM relations, so the unit of
// work does not order inserts by dependency; the domain functions keep the
// references consistent inside one transaction.

export class InitIdentity extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(`create table organizations (
      id varchar(64) not null primary key,
      name varchar(200) not null,
      slug varchar(80) not null,
      kind enum('BRAND','SUPPLIER','RETAILER','PLATFORM') not null,
      status enum('ACTIVE','SUSPENDED') not null default 'ACTIVE',
      description text null,
      website varchar(500) null,
      country char(2) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key organizations_slug_uq (slug),
      key organizations_kind_idx (kind, name),
      fulltext key organizations_name_ft (name)
    ) ${T}`);
    this.addSql(`create table users (
      id varchar(64) not null primary key,
      email varchar(254) not null,
      name varchar(200) not null,
      kind enum('MEMBER','CUSTOMER') not null,
      password_hash varchar(255) not null,
      status enum('ACTIVE','DISABLED') not null default 'ACTIVE',
      last_login_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key users_email_uq (email)
    ) ${T}`);
    this.addSql(`create table memberships (
      id varchar(64) not null primary key,
      organization_id varchar(64) not null,
      user_id varchar(64) not null,
      role enum('OWNER','ADMIN','MANAGER','STAFF','VIEWER') not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key memberships_org_user_uq (organization_id, user_id),
      key memberships_user_idx (user_id, created_at)
    ) ${T}`);
    this.addSql(`create table invitations (
      id varchar(64) not null primary key,
      organization_id varchar(64) not null,
      email varchar(254) not null,
      role enum('OWNER','ADMIN','MANAGER','STAFF','VIEWER') not null,
      token_hash char(64) not null,
      status enum('PENDING','ACCEPTED','REVOKED') not null,
      invited_by_user_id varchar(64) not null,
      accepted_by_user_id varchar(64) null,
      expires_at datetime(3) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key invitations_token_uq (token_hash),
      key invitations_org_idx (organization_id, status, created_at)
    ) ${T}`);
    this.addSql(`create table partner_connections (
      id varchar(64) not null primary key,
      requester_id varchar(64) not null,
      partner_id varchar(64) not null,
      pair_key varchar(140) null comment 'ordered org pair while PENDING or ACTIVE; null otherwise, so at most one open connection per pair',
      scopes json not null,
      status enum('PENDING','ACTIVE','DECLINED','REVOKED') not null,
      requested_by_user_id varchar(64) null,
      responded_by_user_id varchar(64) null,
      message varchar(1000) null,
      responded_at datetime(3) null,
      revoked_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key partner_connections_pair_uq (pair_key),
      key partner_connections_requester_idx (requester_id, status, id),
      key partner_connections_partner_idx (partner_id, status, id)
    ) ${T}`);
    this.addSql(`create table api_keys (
      id varchar(64) not null primary key,
      organization_id varchar(64) not null,
      name varchar(120) not null,
      secret_hash char(64) not null,
      last_four char(4) not null,
      scopes json not null,
      created_by_user_id varchar(64) null,
      last_used_at datetime(3) null,
      expires_at datetime(3) null,
      revoked_at datetime(3) null,
      created_at datetime(3) not null,
      unique key api_keys_secret_uq (secret_hash),
      key api_keys_org_idx (organization_id, created_at)
    ) ${T}`);
    this.addSql(`create table refresh_tokens (
      id varchar(64) not null primary key,
      family_id varchar(64) not null,
      user_id varchar(64) not null,
      organization_id varchar(64) null,
      token_hash char(64) not null,
      status enum('ACTIVE','ROTATED','REVOKED') not null,
      expires_at datetime(3) not null,
      family_expires_at datetime(3) not null,
      created_at datetime(3) not null,
      used_at datetime(3) null,
      unique key refresh_tokens_hash_uq (token_hash),
      key refresh_tokens_family_idx (family_id, status)
    ) ${T}`);
    this.addSql(`create table signing_keys (
      kid varchar(64) not null primary key,
      alg varchar(16) not null,
      private_key text not null comment 'PKCS8 PEM, or AES-256-GCM sealed when KEY_ENCRYPTION_SECRET is set',
      public_jwk json not null,
      status enum('ACTIVE','RETIRING','RETIRED') not null,
      created_at datetime(3) not null,
      retired_at datetime(3) null,
      key signing_keys_status_idx (status, created_at)
    ) ${T}`);
    this.addSql(`create table login_attempts (
      subject_hash char(64) not null primary key,
      failures int not null,
      window_started_at datetime(3) not null,
      locked_until datetime(3) null
    ) ${T}`);
    this.addSql(OUTBOX_TABLE_SQL);
  }
}
