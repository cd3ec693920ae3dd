// @pytest-radist/control: the control plane's client, and radist-fake for a Node test suite.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { RadistControl } from "./control.js";

export { ControlError } from "./base.js";
export { RadistControl };

/** What radist-fake prints once it serves. */
export const READY_LINE = "Serving the Radist fake; press Ctrl-C to stop.";

/**
 * Start `radist-fake --port 0` (or `command`), wait until it serves, and
 * return its URL, default project and a control client; `stop()` ends it.
 */
export function startRadistFake({ command = process.env.RADIST_FAKE_COMMAND || "radist-fake", args = [], timeoutMs = 30_000 } = {}) {
  const child = spawn(command, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const settings = {};
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`radist-fake did not serve within ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    child.on("error", (error) => { clearTimeout(timer); reject(new Error(`could not start ${command}: ${error.message} (pip install pytest-radist, or set RADIST_FAKE_COMMAND)`)); });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`radist-fake exited (${code}) before it served: ${stderr}`)); });
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.trim() !== READY_LINE) {
        const at = line.indexOf("=");
        if (at > 0) settings[line.slice(0, at)] = line.slice(at + 1).trim();
        return;
      }
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const url = settings.RADIST_API_BASE_URL;
      resolve({
        url, projectId: settings.RADIST_PROJECT_ID, secretKey: settings.RADIST_KEY, publicKey: settings.RADIST_PUBLIC_KEY,
        control: new RadistControl(url),
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
          child.once("exit", () => { clearTimeout(kill); done(); });
          child.kill("SIGTERM");
        }),
      });
    });
  });
}
