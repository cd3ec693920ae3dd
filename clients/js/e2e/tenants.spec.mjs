// Eight tests over four workers: a page joins a call of its worker's project
// over the signaling socket; faults, the clock and the journal stay its own.
import { test, expect } from "./fixtures.mjs";

for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`a page joins its worker's call (${n})`, async ({ page, radist }) => {
    const { control, url, id, publicKey } = radist;
    await control.postReset({ project: id });
    await control.postFaults({ endpoint: "create_call", status: 503, project: id, times: null });
    const call = await control.postScenariosMakeCall({ accessControl: "public", project: id });
    await page.goto(`${url}/_radist/health`);  // a loopback page: it may open a socket to the fake
    const welcome = await page.evaluate(async ({ url, publicKey, token }) => {
      const ws = new WebSocket(`${url.replace("http", "ws")}/api/v1/p2p/signaling/ws?publicKey=${publicKey}&callToken=${token}`);
      const frame = await new Promise((resolve, reject) => { ws.onmessage = (m) => resolve(JSON.parse(m.data)); ws.onerror = reject; });
      ws.close();
      return frame;
    }, { url, publicKey, token: call.callTokens[0] });
    expect(welcome.type).toBe("welcome");
    const later = await control.postScenariosMakeCall({ project: id });
    await control.postClock({ project: id, advance: 3601 });  // this worker's tokens expire, no other's
    const { tokens } = await control.getTokens({ callId: later.callId });
    expect(tokens.map((t) => t.state)).toEqual(["expired", "expired"]);
    const { requests } = await control.getRequests({ project: id });
    expect(requests.map((r) => [r.endpoint, r.project])).toEqual([["p2p_signaling", id]]);
    const { rules } = await control.getFaults();
    expect(rules.filter((r) => r.project === id)).toHaveLength(1);
  });
}
