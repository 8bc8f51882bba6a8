import { graphql } from './gql/index.ts';

/** The session operations every app shares (identity subgraph). */

export const LoginDocument = graphql(`
  mutation ClientLogin($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user { id name email kind }
      organization { id name kind }
      userErrors { field message code }
    }
  }
`);

export const RefreshDocument = graphql(`
  mutation ClientRefresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user { id name email kind }
      organization { id name kind }
      userErrors { code message }
    }
  }
`);

export const LogoutDocument = graphql(`
  mutation ClientLogout($input: LogoutInput!) {
    logout(input: $input) { success userErrors { code message } }
  }
`);
