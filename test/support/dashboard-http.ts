/**
 * The dashboard over plain HTTP (no browser), for what a browser would not do: posts without the CSRF token, an
 * old session cookie after sign-out or after its user was disabled, bursts of wrong passwords.
 */
/** What the tests read from `ordergraph demo --json`. */
export interface DemoLogins {
  merchant: { org_id: string; user: { email: string; password: string } };
  supplier: { org_id: string; user: { email: string; password: string } };
  orders: { id: string; number: number; state: string }[];
}

export interface DashboardResponse {
  status: number;
  location: string | null;
  body: string;
}

export class DashboardClient {
  private cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  get sessionCookie(): string | undefined {
    return this.cookies.get('og_session');
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<DashboardResponse> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const r = await fetch(`${this.baseUrl}${path}`, { method, headers, body: form && new URLSearchParams(form).toString(), redirect: 'manual' });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
    const body = await r.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body);
    if (csrf) this.csrfToken = csrf[1];
    return { status: r.status, location: r.headers.get('location'), body };
  }

  get(path: string): Promise<DashboardResponse> {
    return this.request('GET', path);
  }

  /** Posts a form with the session's CSRF token unless `csrf: false`. */
  post(path: string, form: Record<string, string> = {}, opts: { csrf?: boolean } = {}): Promise<DashboardResponse> {
    return this.request('POST', path, opts.csrf === false ? form : { ...form, _csrf: this.csrfToken });
  }

  /** Signs in through the form; returns the POST's response (303 on success). */
  async signIn(email: string, password: string): Promise<DashboardResponse> {
    const form = await this.get('/dashboard/sign-in');
    const token = /name="_signin" value="([^"]+)"/.exec(form.body)![1];
    const r = await this.request('POST', '/dashboard/sign-in', { _signin: token, email, password, next: '/dashboard' });
    if (r.status === 303) await this.get('/dashboard/orders'); // picks up the CSRF token (or a redirect for fulfillers)
    return r;
  }
}
