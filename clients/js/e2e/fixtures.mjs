// A worker-scoped fixture: each Playwright worker gets a project of its own on
// the shared radist-fake, and every control it uses is scoped to it.
import { test as base } from "@playwright/test";
import { RadistControl } from "../index.js";

export const test = base.extend({
  radist: [async ({}, use, workerInfo) => {
    const control = new RadistControl(process.env.RADIST_FAKE_URL);
    const id = `pw-worker-${workerInfo.workerIndex}`;
    const project = await control.postProjects({ id });
    await use({ control, url: process.env.RADIST_FAKE_URL, id, secretKey: project.secretKeys[0], publicKey: project.publicKey });
    await control.deleteProjectsByProjectId(id);
  }, { scope: "worker" }],
});
export { expect } from "@playwright/test";
