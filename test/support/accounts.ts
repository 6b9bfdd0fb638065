import { HttpRoute, type Ack, type SessionCreated } from '@tandem/contract';

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A JSON request to the server, with a bearer token when given; the status and parsed body. */
export async function request<T = unknown>(
  url: string,
  method: 'POST' | 'PUT' | 'DELETE',
  route: string,
  body?: unknown,
  token?: string,
): Promise<HttpAnswer<T>> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** A request that must answer with a session; fails the test otherwise. */
async function sessionFrom(answer: Promise<HttpAnswer<SessionCreated | Ack<never>>>): Promise<SessionCreated> {
  const { status, body } = await answer;
  if (status >= 300 || !body || !('token' in body)) throw new Error(`refused: ${status} ${JSON.stringify(body)}`);
  return body;
}

export function signUp(url: string, username: string, password: string, name?: string): Promise<SessionCreated> {
  return sessionFrom(request(url, 'POST', HttpRoute.Accounts, { username, password, ...(name ? { name } : {}) }));
}

export function signInToAccount(url: string, username: string, password: string): Promise<SessionCreated> {
  return sessionFrom(request(url, 'POST', HttpRoute.Sessions, { username, password }));
}

export function claimAccount(url: string, token: string, username: string, password: string): Promise<SessionCreated> {
  return sessionFrom(request(url, 'POST', HttpRoute.AccountClaim, { username, password }, token));
}

export function changePassword(
  url: string,
  token: string,
  currentPassword: string,
  newPassword: string,
): Promise<HttpAnswer<SessionCreated | Ack<never>>> {
  return request(url, 'PUT', HttpRoute.AccountPassword, { currentPassword, newPassword }, token);
}

export function signOut(url: string, token: string): Promise<HttpAnswer> {
  return request(url, 'DELETE', HttpRoute.CurrentSession, undefined, token);
}
