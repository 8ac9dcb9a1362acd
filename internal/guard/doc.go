// Package guard holds the text checks that sit around a model call: it
// validates a question before anything expensive runs ([CheckQuestion]),
// scores text for prompt injection ([Detector]), flags instruction-like text
// in documents being ingested ([InstructionLike]), stops answers that leak a
// canary or the system prompt ([OutputFilter], also while streaming), and
// redacts personal data and secrets ([Redactor]) before text is logged or
// stored.
//
// Every function is pure: no I/O, no clock, no package-level mutable state
// (only compiled regular expressions and constant tables). All types are
// safe for concurrent use except [StreamFilter], which belongs to one
// stream. The package imports only the standard library and
// golang.org/x/text (for Unicode normalisation); it must not import any
// other supportd package, so that every layer — ingestion, the assistant,
// logging, HTTP — can use it.
//
// # What the heuristics can and cannot do
//
// Injection detection is lexical: normalisation (NFKC, case, zero-width and
// Unicode-tag characters, homoglyphs in mixed-script words, leetspeak, small
// typos in key words) followed by weighted patterns in several languages,
// decoding of base64, hex, rot13, percent and entity escapes, and a noisy-OR
// of the weights of the patterns that fired. It catches the common, copied
// attacks and their cheap obfuscations; it does not understand meaning, so a
// paraphrase it has no pattern for passes, and it should be one layer among
// several (delimited passages in the prompt, the output filter, least
// privilege for tools), never the only one. The corpus under
// testdata/injection measures it; see TestInjectionCorpus.
package guard
