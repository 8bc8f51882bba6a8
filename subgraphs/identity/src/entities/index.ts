import { OutboxMessage } from '@tradegraph/shared/events';
import { ApiKey } from './api-key.ts';
import {
  AccessRevocation,
  AccountToken,
  type AccountTokenPurpose,
  LoginAttempt,
  RefreshToken,
  SigningKey,
} from './credentials.ts';
import { Invitation } from './invitation.ts';
import { Organization } from './organization.ts';
import { PartnerConnection } from './partner-connection.ts';
import { Membership, User } from './user.ts';

export type { AccountTokenPurpose };
export {
  AccessRevocation,
  AccountToken,
  ApiKey,
  Invitation,
  LoginAttempt,
  Membership,
  Organization,
  PartnerConnection,
  RefreshToken,
  SigningKey,
  User,
};

export const entities = [
  Organization,
  User,
  Membership,
  Invitation,
  PartnerConnection,
  ApiKey,
  RefreshToken,
  SigningKey,
  LoginAttempt,
  AccessRevocation,
  AccountToken,
  OutboxMessage,
];
