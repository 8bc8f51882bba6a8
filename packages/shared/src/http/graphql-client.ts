/** A minimal GraphQL-over-HTTP client for tools, seeds and tests. */
export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

export async function graphqlRequest<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: GraphQLResponse['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, data: body.data ?? null, errors: body.errors, headers: res.headers };
}

/** Like graphqlRequest, but throws on GraphQL errors or payload userErrors at `field`. */
export async function graphqlOk<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  const res = await graphqlRequest<T>(url, query, variables, opts);
  if (res.errors?.length || !res.data) {
    throw new Error(
      `GraphQL error (${res.status}): ${res.errors?.map((e) => `${e.message} [${e.extensions?.code}]`).join('; ')}`,
    );
  }
  for (const [field, value] of Object.entries(res.data as Record<string, unknown>)) {
    const errs = (value as { userErrors?: { code: string; message: string }[] } | null)?.userErrors;
    if (errs?.length) throw new Error(`${field}: ${errs.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  }
  return res.data;
}
