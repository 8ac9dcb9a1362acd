package prompt

import (
	"testing"
	"testing/fstest"
	"text/template"

	"github.com/stretchr/testify/require"
)

func TestLoadRejectsUnsanitizedField(t *testing.T) {
	t.Parallel()
	files := embedded(t)
	files["answer.tmpl"] = &fstest.MapFile{Data: []byte("{{range .Passages}}{{untrusted .Text}}{{end}}\n<question>{{.Question}}</question>")}
	_, err := Load(files)
	require.ErrorContains(t, err, "prompt answer.tmpl: answer.tmpl:2:12: {{.Question}} prints untrusted text")
}

func TestCheckRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"field":                    `{{.Question}}`,
		"root variable":            `{{$.Question}}`,
		"field in range":           `{{range .Passages}}{{.Text}}{{end}}`,
		"range variable field":     `{{range $i, $p := .Passages}}{{$p.Title}}{{end}}`,
		"dot in with":              `{{with .Question}}{{.}}{{end}}`,
		"with variable":            `{{with $q := .Question}}{{$q}}{{end}}`,
		"variable":                 `{{$q := .Question}}{{$q}}`,
		"assigned variable":        `{{$q := ""}}{{$q = .Question}}{{$q}}`,
		"assigned later in a loop": `{{$x := ""}}{{range .Passages}}{{$x}}{{$x = .Text}}{{end}}`,
		"whole passages":           `{{.Passages}}`,
		"whole passage":            `{{range .Passages}}{{.}}{{end}}`,
		"whole message":            `{{range .History}}{{.}}{{end}}`,
		"index":                    `{{index .Passages 0}}`,
		"chain":                    `{{(index .Passages 0).Source}}`,
		"sanitizer then printf":    `{{untrusted .Question | printf "%s%s" .Reference}}`,
		"printf":                   `{{printf "%s" .Question}}`,
		"or":                       `{{or .Question "none"}}`,
		"nested pipeline":          `{{printf "%s" (print .Content)}}`,
		"template with raw dot":    `{{define "q"}}{{.}}{{end}}{{template "q" .Question}}`,
		"template with record dot": `{{define "p"}}{{.}}{{end}}{{range .Passages}}{{template "p" .}}{{end}}`,
		"template defined later":   `{{template "p" .Passages}}{{define "p"}}{{range .}}{{.Text}}{{end}}{{end}}`,
		"block":                    `{{block "q" .Answer}}{{.}}{{end}}`,
		"html is not a sanitizer":  `{{html .Title}}`,
		"with in range":            `{{range .Passages}}{{with .Text}}{{.}}{{end}}{{end}}`,
		"whole root":               `{{.}}`,
		"whole root variable":      `{{$}}`,
		"root through with":        `{{with $}}{{printf "%v" .}}{{end}}`,
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := parseTemplate("x.tmpl", []byte(text))
			require.ErrorContains(t, err, "x.tmpl:1:")
			require.ErrorContains(t, err, "untrusted text")
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"function":                `{{untrusted .Question}}`,
		"pipeline":                `{{.Question | untrusted}}`,
		"attr":                    `{{range .Passages}}{{.ID}} {{attr .Title}} {{attr .Source}} {{untrusted .Text}}{{end}}`,
		"inline":                  `{{range .History}}{{.Role}}: {{inline .Content}}{{end}}`,
		"sanitized then printf":   `{{untrusted .Question | printf "<q>%s</q>"}}`,
		"sanitizer mid-pipeline":  `{{.Question | untrusted | printf "%s"}}`,
		"sanitized argument":      `{{printf "%s" (untrusted .Question)}}`,
		"dot in with":             `{{with .Question}}{{untrusted .}}{{end}}`,
		"variable":                `{{$q := .Question}}{{inline $q}}`,
		"range variables":         `{{range $i, $p := .Passages}}{{$i}}{{$p.ID}}{{attr $p.Title}}{{end}}`,
		"counts and comparisons":  `{{len .Passages}} {{eq .Question ""}} {{not .Passages}}`,
		"conditions":              `{{if .Question}}yes{{end}}{{if eq (len .History) 0}}first{{end}}`,
		"trusted fields":          `{{.Product}} {{.Canary}}`,
		"template with safe data": `{{define "p"}}{{.ID}} {{untrusted .Text}}{{end}}{{range .Passages}}{{template "p" .}}{{end}}`,
		"template without data":   `{{define "h"}}Hello{{end}}{{template "h"}}`,
		"range else":              `{{range .Passages}}{{.ID}}{{else}}none{{end}}`,
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := parseTemplate("x.tmpl", []byte(text))
			require.NoError(t, err)
		})
	}
}

func TestValidateProbeCatchesUnsanitizedOutput(t *testing.T) {
	t.Parallel()
	// The walk would reject this template, so build the set by hand to
	// prove the second line of defence: rendering the samples.
	s := load(t)
	raw, err := template.New("answer.tmpl").Funcs(funcs()).Parse(`{{range .Passages}}{{.ID}} {{untrusted .Text}}{{end}} {{.Question}}`)
	require.NoError(t, err)
	s.templates["answer"] = raw
	err = s.validate()
	require.ErrorContains(t, err, `prompt answer.tmpl: sample "two passages": untrusted text reached the output unsanitized`)
	require.ErrorContains(t, err, `prompt answer.tmpl: sample "no passages": untrusted text reached the output unsanitized`)
	require.NotContains(t, err.Error(), "system.tmpl")
}
