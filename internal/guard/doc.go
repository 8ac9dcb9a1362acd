// Package guard holds the text checks that sit around a model call: it
// validates a question before anything expensive runs ([CheckQuestion]),
// scores text for prompt injection ([Detector]), flags instruction-like text
// in documents being ingested ([InstructionLike]), stops answers that leak a
// canary or the instructions, verbatim or paraphrased, or that follow an
// instruction the question smuggled in ([OutputFilter], also while
// streaming), and
// redacts personal data and secrets ([Redactor]) before text is logged or
// stored.
//
// Every function is pure: no I/O (LoadTrainingSet reads only the fs.FS it
// is given), no clock, no package-level mutable state (only compiled
// regular expressions, constant tables and the embedded model weights). All types are
// safe for concurrent use except [StreamFilter], which belongs to one
// stream. The package imports only the standard library,
// golang.org/x/text (for Unicode normalisation) and internal/text (the
// shared stop words and stemmer of its leak check); it must not import any
// other supportd package, so that every layer — ingestion, the assistant,
// logging, HTTP — can use it.
//
// # What the heuristics can and cannot do
//
// Injection detection has two layers. The rules: normalisation (NFKC,
// case, zero-width and Unicode-tag characters, homoglyphs in mixed-script
// words, leetspeak, small typos in key words) followed by weighted patterns
// in several languages, decoding of base64, hex, rot13, percent and entity
// escapes, and a noisy-OR of the weights of the patterns that fired. The
// statistical layer ([Model]): a logistic regression over hashed character
// and word n-grams, trained on public attack data and support questions by
// `make detector-model` (internal/guard/train) and embedded, which catches
// phrasings no rule names. Neither understands meaning: a paraphrase far
// from the training data passes, so detection is one layer among several
// (delimited passages in the prompt, the output filter, least privilege for
// tools), never the only one. TestDetectorReport and TestInjectionCorpus
// measure it; TestLeakReport measures the output filter.
package guard
