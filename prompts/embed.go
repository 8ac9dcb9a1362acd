// Package prompts embeds the prompt templates so the binary and the tests
// render exactly the files in this folder. internal/prompt loads, validates
// and renders them; a directory can override them at run time.
package prompts

import "embed"

// FS holds the prompt templates: system, answer, condense and judge.
//
//go:embed *.tmpl
var FS embed.FS
