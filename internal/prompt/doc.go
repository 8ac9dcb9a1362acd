// Package prompt loads, validates and renders the prompt templates of
// prompts/: the system prompt, the answer (user) message with its delimited
// passages, the follow-up condenser and the LLM-as-judge grader. Its one job
// is turning typed data into prompt text. It imports only the standard
// library; the caller hands it the templates as an fs.FS (prompts.FS, or a
// directory that overrides them at run time), so it must not import the
// prompts package or any other supportd package.
//
// A template set is exactly four files, system.tmpl, answer.tmpl,
// condense.tmpl and judge.tmpl, written in text/template. A missing file is
// an error, and so is any other .tmpl file, to catch a misspelt override.
//
// # Untrusted text
//
// Questions, conversation history, passage text and metadata, reference
// answers and generated answers are data, never instructions. Templates
// print them only through three functions:
//
//   - untrusted drops control characters (keeping newline and tab; CR and
//     CRLF become newline) and defangs the delimiters <passage, <question,
//     <reference and <answer: in any letter case, opening or closing, with
//     white space, invisible format characters or slashes after the bracket,
//     and with the full-width and small brackets too. The bracket becomes
//     '‹', so text can neither close its block nor open a new one.
//   - attr is untrusted, then escaped for a double-quoted attribute (& < > "
//     become entities; newline and tab become a space).
//   - inline is untrusted, then folded onto one line, so text cannot begin
//     a line of its own, such as a fake "Assistant:" turn or "Follow-up:".
//
// Load enforces this twice. It walks each parsed template and rejects an
// action that prints a known untrusted field (Text, Question, Title,
// Source, Content, Reference, Answer), a value taken from one through a
// variable, with or range, or a whole passage or message, unless the
// pipeline ends in one of the three functions. It then renders every
// template with sample data whose untrusted fields carry a probe delimiter
// and a control character, and rejects output in which either survives;
// that also covers paths the walk cannot follow, such as nested templates.
//
// # Versions
//
// Version is the first 12 hex digits of the SHA-256 of a template file, and
// Fingerprint one such hash over all four versions. The assistant stores the
// fingerprint with every answer, so each answer traces back to the exact
// prompt text that produced it, run-time overrides included.
package prompt
