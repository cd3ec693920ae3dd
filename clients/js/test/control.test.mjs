// node --test: the client against a real radist-fake, four tenants at once.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { startRadistFake, ControlError } from "../index.js";

let fake;
before(async () => { fake = await startRadistFake(); });
after(async () => { await fake?.stop(); });

async function rest(method, path, key, body) {
  const answer = await fetch(fake.url + path, {
    method, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: answer.status, body: await answer.json() };
}

test("radist-fake serves, and the client reads its state", async () => {
  assert.deepEqual(await fake.control.getHealth(), { ok: true });
  const state = await fake.control.getState();
  assert.equal(state.projects[0].id, fake.projectId);
});

test("four tenants at once, each seeing only its own faults, clock, journal and reset", async () => {
  const tenant = async (id) => {
    const project = await fake.control.postProjects({ id });
    const key = project.secretKeys[0];
    await fake.control.postFaults({ endpoint: "create_call", status: 503, project: id });
    const refused = await rest("POST", `/api/v1/projects/${id}/calls`, key, {});
    const created = await rest("POST", `/api/v1/projects/${id}/calls`, key, { accessControl: "public" });
    await fake.control.postClock({ project: id, advance: 3601 });
    const tokens = await fake.control.getTokens({ callId: created.body.callId });
    const journal = await fake.control.getRequests({ project: id });
    await fake.control.postReset({ project: id });
    const after = await fake.control.getRequests({ project: id });
    await fake.control.deleteProjectsByProjectId(id);
    return [refused.status, created.status, tokens.tokens.map((t) => t.state), journal.requests.map((r) => [r.endpoint, r.status, r.project]), after.total];
  };
  const seen = await Promise.all(["js-1", "js-2", "js-3", "js-4"].map(tenant));
  seen.forEach((row, n) => assert.deepEqual(row, [503, 200, ["expired", "expired"],
    [["create_call", 503, `js-${n + 1}`], ["create_call", 200, `js-${n + 1}`]], 0]));
  assert.equal((await fake.control.getClock()).now, "2026-01-01T00:00:00.000Z"); // the fake's own clock never moved
});

test("a refusal is a ControlError with the status and the control plane's message", async () => {
  await assert.rejects(fake.control.postFaults({ endpoint: "*", status: 500, project: "nobody" }),
    (error) => error instanceof ControlError && error.status === 404 && /nobody/.test(error.message));
  await assert.rejects(fake.control.postFaults({ endpoint: "create_cal", status: 500 }),
    (error) => error instanceof ControlError && error.status === 400);
});

test("media peers started over the control plane call each other (docs/media.md)", async () => {
  const call = await fake.control.postScenariosMakeCall({ accessControl: "public" });
  const answering = await fake.control.postMediaPeers({ token: call.callTokens[0] });
  const offering = await fake.control.postMediaPeers({ token: call.callTokens[1], offer: true });
  assert.match(answering.peerId, /^peer_/);
  const deadline = Date.now() + 15000;
  let seen;
  do {
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen = await fake.control.getMediaPeersById(answering.id);
  } while (seen.videoFramesReceived < 10 && Date.now() < deadline);
  assert.equal(seen.state, "connected");
  assert.ok(seen.videoFramesReceived >= 10 && seen.audioFramesReceived > 0, JSON.stringify(seen));
  assert.deepEqual(seen.connectedTo, [offering.peerId]);
  await fake.control.deleteMediaPeersById(offering.id);
  await fake.control.deleteMediaPeersById(answering.id);
});

test("a snapshot restores over the control plane", async () => {
  await fake.control.postProjects({ id: "js-snap" });
  const snapshot = await fake.control.getSnapshot();
  await fake.control.deleteProjectsByProjectId("js-snap");
  const restored = await fake.control.postRestore({ snapshot });
  assert.equal(restored.restored, true);
  assert.ok((await fake.control.getState()).projects.some((p) => p.id === "js-snap"));
  await fake.control.deleteProjectsByProjectId("js-snap");
});
