import { RadistControl } from "./control.js";
export { ControlError } from "./base.js";
export { RadistControl };
export * from "./control.js";

export declare const READY_LINE: string;

export interface RunningRadistFake {
  url: string;
  projectId: string;
  secretKey: string;
  publicKey: string;
  control: RadistControl;
  stop(): Promise<void>;
}

export declare function startRadistFake(options?: { command?: string; args?: string[]; timeoutMs?: number }): Promise<RunningRadistFake>;
