/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#IdentityContext',
  mappers: {
    ApiKey: '../entities/api-key.ts#ApiKey',
    Invitation: '../entities/invitation.ts#Invitation',
    Membership: '../entities/user.ts#Membership',
    Organization: '../entities/organization.ts#Organization',
    PartnerConnection: '../entities/partner-connection.ts#PartnerConnection',
    User: '../entities/user.ts#User',
  },
};
