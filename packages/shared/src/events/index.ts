export * from './bus.ts';
export * from './catalogue.ts';
export * from './config.ts';
export * from './consumer.ts';
export * from './envelope.ts';
export { kafkaClientConfig } from './kafka/transport.ts';
export * from './outbox.ts';
export * from './relay.ts';
export {
  type DeadLetter,
  DLQ_HEADERS,
  dlqTopic,
  type IncomingRecord,
  type LagRow,
  type OutgoingRecord,
  partitionOf,
  type TopicInfo,
} from './transport.ts';
