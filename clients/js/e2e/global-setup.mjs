// One radist-fake for the whole run: every worker reads its URL from the environment.
import { startRadistFake } from "../index.js";

export default async function globalSetup() {
  const fake = await startRadistFake();
  process.env.RADIST_FAKE_URL = fake.url;
  return async () => { await fake.stop(); };
}
