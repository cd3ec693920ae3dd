// What every generated method of control.js uses: one request to the control plane.

/** A refused control request: its HTTP status and the control plane's message. */
export class ControlError extends Error {
  constructor(status, body) {
    super(`${status}: ${body && body.error ? body.error : JSON.stringify(body)}`);
    this.name = "ControlError";
    this.status = status;
    this.body = body;
  }
}

export class ControlClientBase {
  /**
   * @param {string} baseUrl radist-fake's base URL (http://127.0.0.1:<port>)
   * @param {{token?: string, timeoutMs?: number}} [options] the control token (radist-fake --control-token), a timeout
   */
  constructor(baseUrl, { token, timeoutMs = 10_000 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  async request(method, path, input, where) {
    let url = this.baseUrl + path;
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body;
    if (input !== undefined && where === "query") {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(input)) if (value !== undefined && value !== null) query.set(name, String(value));
      if ([...query].length) url += `?${query}`;
    } else if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(input ?? {});
    }
    const answer = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    const parsed = await answer.json();
    if (!answer.ok) throw new ControlError(answer.status, parsed);
    return parsed;
  }
}
