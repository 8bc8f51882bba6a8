import { defineEntity, p } from '@mikro-orm/core';

export const CONNECTION_SCOPES = ['CATALOG_READ', 'SELL_PRODUCTS', 'FULFILL_ORDERS'] as const;
export type ConnectionScope = (typeof CONNECTION_SCOPES)[number];
export type ConnectionStatus = 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';

export const PartnerConnection = defineEntity({
  name: 'PartnerConnection',
  tableName: 'partner_connections',
  properties: {
    id: p.string().primary(),
    requesterId: p.string(),
    partnerId: p.string(),
    pairKey: p.string().nullable(),
    scopes: p.json<ConnectionScope[]>(),
    status: p.string().$type<ConnectionStatus>(),
    requestedByUserId: p.string().nullable(),
    respondedByUserId: p.string().nullable(),
    message: p.string().nullable(),
    respondedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type PartnerConnection = InstanceType<typeof PartnerConnection.class>;
