/**
 * A small cookie-keeping HTTP client that drives the hosted pages the way a browser's form
 * posts do (no JavaScript involved), so protocol tests can run the whole code flow quickly.
 */
export interface WebResponse {
  status: number;
  headers: Headers;
  body: string;
  location?: string;
  url: string;
}

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    const url = new URL(path, this.baseUrl).toString();
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.remember(res.headers);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, headers: res.headers, body: await res.text(), location: location ? new URL(location, url).toString() : undefined, url };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>) {
    return this.request('POST', path, { form });
  }

  /** Follows same-server redirects; stops at the first redirect elsewhere (the app's callback). */
  async follow(res: WebResponse, maxHops = 10): Promise<WebResponse> {
    let current = res;
    for (let i = 0; i < maxHops && current.location && current.location.startsWith(this.baseUrl); i++) {
      current = await this.get(current.location);
    }
    return current;
  }
}

export function csrfToken(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF token in page: ${html.slice(0, 300)}`);
  return token;
}

/** The action of the first form on the page, relative to the server. */
export function formAction(html: string, name?: string): string {
  const re = name ? new RegExp(`<form name="${name}"[^>]*action="([^"]+)"`) : /<form[^>]*action="([^"]+)"/;
  const action = re.exec(html)?.[1];
  if (!action) throw new Error(`no form${name ? ` ${name}` : ''} in page`);
  return action.replace(/&amp;/g, '&');
}
