// Package fakellm is a deterministic, OpenAI-compatible chat server with
// fault injection, so that tests and demos never call a real provider. Its
// one job is to speak the wire format langchaingo's llms/openai client
// (v0.1.14) uses, answer from the prompt by a fixed rule, and misbehave on
// request.
//
// It imports only the standard library, and nothing from supportd: it is a
// stand-in for a third-party service, so production code must not import it
// either (tests and the `supportd fake-llm` command do).
//
// # Endpoints
//
// Every path is served both with and without a "/v1" prefix, so a client's
// base URL may be either http://host or http://host/v1:
//
//   - POST /chat/completions: a JSON chat.completion, or with "stream": true
//     server-sent events ("data: {chunk}" lines, then "data: [DONE]"). The
//     first chunk carries the assistant role and empty content, then one
//     chunk per answer token, then a chunk with finish_reason "stop", then,
//     when stream_options.include_usage is set, a chunk with empty choices
//     and the usage.
//   - GET /models: the chat and embedding model ids.
//   - POST /embeddings: one deterministic unit vector per input (a string or
//     an array of strings). The length is the request's "dimensions" when
//     set, else Options.Dim (default 384). Vectors are signed feature
//     hashes of the lower-cased words, so texts sharing words are similar.
//   - POST /_fault queues a Fault given as JSON; DELETE /_fault drops every
//     queued fault (Server.Reset).
//
// # Answers
//
// The reply depends only on the last message whose role is "user". Prompt
// templates put retrieved passages there as
//
//	<passage id="P1" title="Refund Policy" source="billing/refunds.md">
//	...text...
//	</passage>
//
// and the question as <question>...</question>. The fake scores each
// passage by how many distinct words its text (not its title) shares with
// the question; words are maximal runs of letters and digits, lower-cased,
// and no word is ignored. The best passage wins, ties going to the lowest
// id ("P2" before "P10"). The answer is that passage's first two sentences
// (one if it has only one), whitespace collapsed, followed by " [ID]", for
// example "Refunds take 5 days. Contact billing to start. [P1]". With no
// passages, or no passage sharing a word, the answer is exactly
// "I don't know.".
//
// A user message without a <question> tag (such as a prompt asking to
// condense a follow-up into a standalone question) is answered with the
// text after its last "Follow-up:" marker, trimmed; without that marker,
// with its last non-blank line, trimmed. Answer computes the same reply
// without a server.
//
// An LLM-as-judge prompt (one holding <reference> and <answer> blocks) is
// answered with the JSON verdict it asks for: faithfulness is the share of
// the answer's distinct words found in the passages, relevance the share
// of the reference's words found in the answer, each rounded to two
// decimals, with the reason "word overlap (fake judge)".
//
// # Usage and tokens
//
// A token is a whitespace-separated word: prompt_tokens counts the words of
// every message's content, completion_tokens those of the answer. A stream
// sends one token per chunk, each word with the whitespace that follows it,
// so the chunks concatenate to exactly the answer.
//
// # Faults
//
// A Fault makes a request misbehave in one way (see Kind). Faults are
// queued with Server.Inject or POST /_fault and consumed in order by the
// next requests to their endpoint (chat completions unless the fault says
// embeddings); Fault.Times says for how many requests each one lasts, zero
// meaning until Server.Reset.
//
// A chat request can also carry its own fault, for that request only, as a
// marker anywhere in its last user message:
//
//	[[fault:KIND]] or [[fault:KIND=ARG]]
//
// KIND is a Kind name or an HTTP status code (shorthand for "status"). ARG
// is the delay for latency ("250ms"), the token count for cut, the
// Retry-After seconds for 429 (or the status code for "status"), and the
// passage id for cite. Examples: [[fault:500]], [[fault:429=3]],
// [[fault:latency=2s]], [[fault:cut=5]]. A marker overrides the queue
// without consuming from it, and is removed from the text before the answer
// is computed. An unknown marker is answered with 400, so a typo does not
// pass silently.
//
// Every wait (latency, hang, the pause between tokens) ends as soon as the
// client goes away, so an abandoned request leaves no goroutine behind.
// Waits go through Options.Wait, which tests replace to record the pauses
// instead of sleeping them.
package fakellm
