/** A refused control request: its HTTP status and the control plane's message. */
export declare class ControlError extends Error {
  status: number;
  body: { error: string; [field: string]: unknown };
}

export declare class ControlClientBase {
  constructor(baseUrl: string, options?: { token?: string; timeoutMs?: number });
  baseUrl: string;
  request(method: string, path: string, input: unknown, where: "body" | "query"): Promise<any>;
}
