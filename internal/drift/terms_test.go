package drift_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/drift"
)

func TestTerms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{"How do I download my invoice?", []string{"download", "invoice"}},
		{"I get QS-SYNC-409 when syncing", []string{"qs-sync-409", "syncing"}},
		{"QuillPad shows QP-PAIR-512 after the 2.3.1 update on 2025-03-12", []string{"quillpad", "shows", "qp-pair-512", "update"}},
		{"Set x_api_key and OAuth2 scopes", []string{"set", "x_api_key", "oauth2", "scopes"}},
		{"--verbose -- __init__ 404 1999", []string{"verbose", "init"}},
		{"Quillstack's SSO doesn't work", []string{"quillstack", "sso", "work"}},
		{"Wie kann ich meine Rechnung herunterladen?", []string{"rechnung", "herunterladen"}},
		{"¿Cómo descargo la factura?", []string{"descargo", "factura"}},
		{"ＱＵＩＬＬＰＡＤ sync", []string{"quillpad", "sync"}}, // full-width, NFKC
		{"如何下载发票", []string{"如何", "何下", "下载", "载发", "发票"}},
		{"Quillstackの同期", []string{"quillstack", "の同", "同期"}},
		{"Ошибка синхронизации", []string{"ошибка", "синхронизации"}},
		{"sync sync SYNC", []string{"sync", "sync", "sync"}},
		{"a 4f3c2a1b9e8d7c6b5a4f3c2a1b9e8d7c6b5a4f3c2a1b9e8d7c6b5a", nil}, // stop word, hash
	} {
		require.Equal(t, c.want, drift.Terms(c.text), "%q", c.text)
	}
}
