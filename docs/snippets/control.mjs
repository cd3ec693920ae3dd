// Run with Node 18+ as an ES module: save it as control.mjs (or set
// "type": "module" in package.json), since it uses top-level await.
//   RADIST_API_BASE_URL=http://127.0.0.1:8765 node control.mjs
import assert from "node:assert/strict";

const base = process.env.RADIST_API_BASE_URL;
const control = (method, path, body) => fetch(`${base}/_radist/${path}`, {
  method,
  // a body-less request from Node needs no Content-Type: only pages (with Origin) must send JSON
  ...(body && {headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}),
}).then((r) => r.json());

await control("POST", "reset", {state: true});
const {id: fault} = await control("POST", "faults", {endpoint: "create_call", status: 503});
const call = await control("POST", "scenarios/make_call", {accessControl: "public"});
await control("POST", "clock", {advance: 3601});           // its tokens expire
await control("DELETE", `faults/${fault}`);                 // that rule alone, by its id

const created = await fetch(`${base}/api/v1/projects/${process.env.RADIST_PROJECT_ID}/calls`, {
  method: "POST",
  headers: {Authorization: `Bearer ${process.env.RADIST_KEY}`, "Content-Type": "application/json"},
  body: JSON.stringify({accessControl: "private"}),
});
assert.equal(created.status, 200);
const {requests} = await control("GET", "requests?endpoint=create_call");
assert.equal(requests.length, 1);
console.log(JSON.stringify({call: call.callId, journaled: requests.map((r) => r.status)}));
