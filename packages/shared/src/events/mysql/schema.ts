import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/** The `topics` table as an entity (the transport itself uses plain SQL; MikroORM needs one entity to start). */
export const EventTopic = defineEntity({
  name: 'EventTopic',
  tableName: 'topics',
  properties: {
    name: p.string().length(190).primary(),
    partitions: p.integer(),
    retentionHours: p.integer(),
    createdAt: p.datetime().length(3),
  },
});

/**
 * Tables of the mysql transport's broker database (`${DB_PREFIX}events`).
 *
 * - `topics`: name, partition count (fixed at creation), retention.
 * - `partition_heads`: next offset per partition; producers lock the row to
 *   assign offsets, so offsets are dense and commit in order; consumers read
 *   this small table to learn cheaply whether anything new arrived.
 * - `messages`: the log, keyed by (topic, partition, offset).
 * - `consumer_offsets`: per group and partition, the next offset to read and
 *   the member that holds the partition (lease).
 * - `group_members`: heartbeats, to count live members when balancing.
 * - `dlq_replays`: dead letters that were replayed (the DLQ itself is the
 *   `dlq.<group>` topic).
 */
export class EventLog0001 extends Migration {
  override name = '0001_event_log';
  override async up(): Promise<void> {
    this.addSql(`create table if not exists topics (
  name varchar(190) not null primary key,
  partitions int not null,
  retention_hours int not null,
  created_at datetime(3) not null
) default character set utf8mb4 collate utf8mb4_bin`);
    this.addSql(`create table if not exists partition_heads (
  topic varchar(190) not null,
  partition_no int not null,
  next_offset bigint not null default 0,
  primary key (topic, partition_no)
) default character set utf8mb4 collate utf8mb4_bin`);
    this.addSql(`create table if not exists messages (
  topic varchar(190) not null,
  partition_no int not null,
  msg_offset bigint not null,
  event_id varchar(64) not null,
  msg_key varchar(190) not null,
  headers text null,
  value longtext not null,
  created_at datetime(3) not null,
  primary key (topic, partition_no, msg_offset),
  key messages_topic_created_idx (topic, created_at)
) default character set utf8mb4 collate utf8mb4_bin`);
    this.addSql(`create table if not exists consumer_offsets (
  group_id varchar(190) not null,
  topic varchar(190) not null,
  partition_no int not null,
  next_offset bigint not null,
  owner varchar(190) null,
  lease_until datetime(3) null,
  updated_at datetime(3) not null,
  primary key (group_id, topic, partition_no)
) default character set utf8mb4 collate utf8mb4_bin`);
    this.addSql(`create table if not exists group_members (
  group_id varchar(190) not null,
  member_id varchar(190) not null,
  heartbeat_at datetime(3) not null,
  primary key (group_id, member_id)
) default character set utf8mb4 collate utf8mb4_bin`);
    this.addSql(`create table if not exists dlq_replays (
  group_id varchar(190) not null,
  event_id varchar(64) not null,
  replayed_at datetime(3) not null,
  primary key (group_id, event_id)
) default character set utf8mb4 collate utf8mb4_bin`);
  }
}

export const EVENT_LOG_MIGRATIONS = [EventLog0001];
