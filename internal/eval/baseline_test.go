package eval_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/eval"
)

func TestBaselineFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content, want, wantErr string
	}{
		{"absent", "", "", ""},
		{"a run id", "# accepted after the March release\n\n42\n", "42", ""},
		{"not a number", "latest\n", "", `"latest" is not a run id`},
		{"two ids", "4\n5\n", "", "want one run id, found 2 lines"},
		{"only comments", "# nothing yet\n", "", "want one run id, found 0 lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.name != "absent" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "baseline"), []byte(tc.content), 0o644))
			}
			got, err := eval.BaselineFile(filepath.Join(dir, "golden.jsonl"))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
