// The vmfabric REST API as the viewer uses it: bearer token, problem+json errors turned into
// ApiError (status and the server's own "detail"), and paging through list endpoints.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status; // 0: the API could not be reached at all
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  async get(path) {
    let response;
    try {
      // Relative: the viewer works behind a reverse proxy that adds a path prefix.
      response = await fetch(`api/v1/${path}`, {
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, `cannot reach the vmfabric API (${e.message}): is vmfabricd running?`);
    }
    if (response.ok) return response.json();
    let detail = '';
    try {
      detail = (await response.json()).detail || '';
    } catch {
      // Not problem+json (a proxy's error page): the status says enough.
    }
    if (response.status === 401) {
      throw new ApiError(401, `the token was refused (401): ${detail || 'unknown or revoked token'}. ` +
        'Check it, or create one with vmfabricd token create --config FILE --name NAME --role viewer.');
    }
    throw new ApiError(response.status, `GET /api/v1/${path} failed (${response.status}): ${detail || response.statusText}`);
  }

  // Every item of a paged list endpoint ({"items", "next_cursor"}).
  async all(path) {
    const items = [];
    const sep = path.includes('?') ? '&' : '?';
    let cursor = null;
    do {
      const page = await this.get(`${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  eventsUrl(lastEventId) {
    const params = new URLSearchParams({ access_token: this.token });
    if (lastEventId) params.set('last_event_id', String(lastEventId));
    return `api/v1/events/stream?${params}`;
  }
}

export const enc = encodeURIComponent;
