// Drives supportd's OpenAI-compatible routes with the official openai npm
// package, as a copilot would. TestOpenAINodeSDK runs it against a test
// server; every check is an assertion, and the script prints one "ok" line
// per check it passed.
//
//   SUPPORTD_BASE_URL     the server's /v1
//   SUPPORTD_KEY          a chat key
//   SUPPORTD_LIMITED_KEY  a chat key whose first request is answered 429
//   SUPPORTD_WANT_ANSWER  the answer /v1/chat gives to the refund question
import assert from "node:assert/strict";
import OpenAI from "openai";

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is not set`);
  return v;
};
const baseURL = env("SUPPORTD_BASE_URL");
const want = env("SUPPORTD_WANT_ANSWER");
const question = "How do I get a refund on an annual plan?";
const messages = [{ role: "user", content: question }];

// client counts the HTTP attempts it makes, retries included.
function client(apiKey, options = {}) {
  const counted = { attempts: 0 };
  counted.openai = new OpenAI({
    baseURL,
    apiKey,
    fetch: (url, init) => {
      counted.attempts++;
      return fetch(url, init);
    },
    ...options,
  });
  return counted;
}

const c = client(env("SUPPORTD_KEY"), { maxRetries: 0 }).openai;

// A completion.
const res = await c.chat.completions.create({ model: "kb:demo", messages, temperature: 0 });
assert.match(res.id, /^chatcmpl-/);
assert.equal(res.object, "chat.completion");
assert.equal(res.model, "kb:demo");
assert.equal(res.choices.length, 1);
assert.equal(res.choices[0].message.role, "assistant");
assert.equal(res.choices[0].message.content, want);
assert.equal(res.choices[0].finish_reason, "stop");
assert.ok(res.usage.prompt_tokens > 0);
assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
assert.equal(res.supportd.mode, "llm");
assert.equal(res.supportd.citations[0].document, "billing/refunds.md");
assert.deepEqual(res.supportd.ignored_params, ["temperature"]);
console.log("ok completion");

// A streamed completion with the usage last.
const stream = await c.chat.completions.create({ model: "support", messages, stream: true, stream_options: { include_usage: true } });
const chunks = [];
for await (const chunk of stream) chunks.push(chunk);
assert.ok(chunks.length >= 3);
assert.equal(chunks[0].choices[0].delta.role, "assistant");
const text = chunks.flatMap((ch) => ch.choices.map((choice) => choice.delta.content ?? "")).join("");
assert.equal(text, want);
const usage = chunks.at(-1);
assert.deepEqual(usage.choices, []);
assert.ok(usage.usage.prompt_tokens > 0);
const final = chunks.at(-2);
assert.equal(final.choices[0].finish_reason, "stop");
assert.equal(final.supportd.mode, "llm");
for (const ch of chunks) {
  assert.equal(ch.object, "chat.completion.chunk");
  assert.equal(ch.id, chunks[0].id);
  assert.equal(ch.model, "support");
}
console.log("ok stream");

// The same stream through the SDK's helper, which accumulates it.
const runner = c.chat.completions.stream({ model: "kb:demo", messages, stream_options: { include_usage: true } });
const done = await runner.finalChatCompletion();
assert.equal(done.choices[0].message.content, want);
assert.equal(done.usage.total_tokens, usage.usage.total_tokens);
console.log("ok stream helper");

// The models list.
const models = [];
for await (const m of c.models.list()) models.push(m.id);
assert.deepEqual(models, ["kb:demo", "support"]);
console.log("ok models");

// An unknown model: an error the SDK parses.
await assert.rejects(c.chat.completions.create({ model: "gpt-4o", messages }), (err) => {
  assert.ok(err instanceof OpenAI.NotFoundError, `a NotFoundError: ${err}`);
  assert.equal(err.status, 404);
  assert.equal(err.type, "invalid_request_error");
  assert.equal(err.code, "model_not_found");
  assert.equal(err.param, "model");
  assert.match(err.message, /gpt-4o/);
  return true;
});
await assert.rejects(c.chat.completions.create({ model: "kb:demo", messages, tools: [{ type: "function", function: { name: "lookup" } }] }), (err) => {
  assert.ok(err instanceof OpenAI.BadRequestError, `a BadRequestError: ${err}`);
  assert.equal(err.param, "tools");
  return true;
});
await assert.rejects(client("sk_wrong", { maxRetries: 0 }).openai.models.list(), (err) => {
  assert.ok(err instanceof OpenAI.AuthenticationError, `an AuthenticationError: ${err}`);
  assert.equal(err.code, "unauthorized");
  return true;
});
console.log("ok errors");

// A 429: the SDK waits as Retry-After-Ms says and retries once.
const limited = client(env("SUPPORTD_LIMITED_KEY"), { maxRetries: 2 });
const retried = await limited.openai.chat.completions.create({ model: "kb:demo", messages });
assert.equal(retried.choices[0].message.content, want);
assert.equal(limited.attempts, 2);
console.log("ok retry");
