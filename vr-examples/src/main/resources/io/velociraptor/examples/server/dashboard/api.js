// The JSON API of `vr serve` (docs/api.md), through the session cookie POST /api/login sets.
// The token itself is sent once, in the login request's body, and kept nowhere.

/** An error answer of the API: its status and the server's message (which names the bad value). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.hint = body?.hint ?? '';
    this.run = body?.run ?? '';
  }
}

let unauthorized = () => {};

/** fn() runs whenever the API answers 401: the session is gone (or never was). */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

/**
 * One API call. body: an object (sent as JSON) or text (sent as contentType).
 * @returns the parsed JSON, the text of a text answer, or null for 204
 * @throws ApiError for an error answer
 */
export async function api(method, path, body, contentType) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    const text = typeof body === 'string';
    init.body = text ? body : JSON.stringify(body);
    init.headers['Content-Type'] = text ? contentType : 'application/json';
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const json = (res.headers.get('Content-Type') ?? '').includes('json');
  const data = json ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, json ? data : { error: `HTTP ${res.status}: ${String(data).slice(0, 200)}` });
    if (res.status === 401 && path !== '/api/login') unauthorized();
    throw err;
  }
  return data;
}

/** GET path. */
export const get = (path) => api('GET', path);

/** A path with its parts encoded: path('/api/swarms', s, 'plan'). */
export function path(...parts) {
  return parts[0] + parts.slice(1).map((p) => '/' + encodeURIComponent(String(p))).join('');
}

/** Logs in with a token: 204 sets the session cookie. @throws ApiError 401 for a bad token */
export function login(token) {
  return api('POST', '/api/login', { token });
}

/** Ends the session. */
export function logout() {
  return api('POST', '/api/logout');
}
