package prompt

import (
	"fmt"
	"strings"
	"text/template"
)

// quoteTemplate prints passages exactly as answer.tmpl does, so that a
// model reading them elsewhere (an agent calling supportd's MCP tools)
// gets the same delimiters with the same defences.
var quoteTemplate = template.Must(template.New("quote").Funcs(funcs()).Parse(`{{range .}}<passage id="{{.ID}}" title="{{attr .Title}}" source="{{attr .Source}}">
{{untrusted .Text}}
</passage>
{{end}}`))

// Quote renders passages between <passage> delimiters as the answer prompt
// does: titles and sources as attributes, text with control characters
// dropped and delimiters defanged. It fails if a passage id is invalid or
// repeated.
func Quote(ps []Passage) (string, error) {
	ps, err := normalize(ps)
	if err != nil {
		return "", fmt.Errorf("quote passages: %w", err)
	}
	var b strings.Builder
	if err := quoteTemplate.Execute(&b, ps); err != nil {
		return "", fmt.Errorf("quote passages: %w", err)
	}
	return b.String(), nil
}

// Untrusted makes s safe to print between delimiters, as the templates'
// untrusted function does.
func Untrusted(s string) string { return untrusted(s) }
