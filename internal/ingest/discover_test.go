package ingest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// writeTree creates files (slash paths relative to root, all with content
// "x") and returns root.
func writeTree(t *testing.T, root string, files ...string) string {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	return root
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	root := writeTree(t, t.TempDir(),
		"z.md", "a.markdown", "b/page.HTML", "b/page.htm", "b/c/notes.txt", "faq.csv", "faq.json", "guide.pdf",
		"b/image.png", "README", "slides.pptx",
		".hidden.md", ".git/config.md", "b/.drafts/draft.md",
	)
	require.NoError(t, os.Symlink(filepath.Join(root, "z.md"), filepath.Join(root, "link.md")))
	require.NoError(t, os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "linkdir")))
	require.NoError(t, os.Symlink(filepath.Join(root, "missing.md"), filepath.Join(root, "dangling.md")))

	files, err := Discover(root)
	require.NoError(t, err)
	var want []File
	for _, rel := range []string{"a.markdown", "b/c/notes.txt", "b/page.HTML", "b/page.htm", "faq.csv", "faq.json", "guide.pdf", "link.md", "z.md"} {
		want = append(want, File{Path: filepath.Join(root, filepath.FromSlash(rel)), SourceURI: rel})
	}
	require.Equal(t, want, files)
}

func TestDiscoverRoots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	docs := writeTree(t, filepath.Join(dir, "docs"), "b.md", "sub/a.md")
	extra := writeTree(t, filepath.Join(dir, "extra"), "c.txt")
	single := filepath.Join(writeTree(t, filepath.Join(dir, "one"), ".Single.md"), ".Single.md")
	require.NoError(t, os.Symlink(docs, filepath.Join(dir, "docs-link")))

	files, err := Discover(docs, single, extra)
	require.NoError(t, err)
	require.Equal(t, []File{
		{Path: single, SourceURI: ".Single.md"},
		{Path: filepath.Join(docs, "b.md"), SourceURI: "b.md"},
		{Path: filepath.Join(extra, "c.txt"), SourceURI: "c.txt"},
		{Path: filepath.Join(docs, "sub", "a.md"), SourceURI: "sub/a.md"},
	}, files)

	linked, err := Discover(filepath.Join(dir, "docs-link"))
	require.NoError(t, err)
	require.Equal(t, []File{
		{Path: filepath.Join(dir, "docs-link", "b.md"), SourceURI: "b.md"},
		{Path: filepath.Join(dir, "docs-link", "sub", "a.md"), SourceURI: "sub/a.md"},
	}, linked)

	empty, err := Discover(t.TempDir())
	require.NoError(t, err)
	require.Empty(t, empty)
}

func TestDiscoverErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := writeTree(t, filepath.Join(dir, "a"), "same.md")
	b := writeTree(t, filepath.Join(dir, "b"), "same.md")
	bad := filepath.Join(writeTree(t, filepath.Join(dir, "c"), "deck.pptx"), "deck.pptx")
	missing := filepath.Join(dir, "nope")
	tests := []struct {
		name     string
		roots    []string
		wantCode core.Code
		wantMsg  string
	}{
		{"missing root", []string{missing}, core.CodeNotFound, `ingest root "` + missing + `" does not exist`},
		{"unsupported file root", []string{bad}, core.CodeUnsupportedMedia, `"` + bad + `": unsupported file type ".pptx"`},
		{"same SourceURI from two roots", []string{a, b}, core.CodeConflict,
			`"same.md" is both "` + filepath.Join(a, "same.md") + `" and "` + filepath.Join(b, "same.md") + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := Discover(tt.roots...)
			require.Nil(t, files)
			requireCode(t, err, tt.wantCode, tt.wantMsg)
		})
	}
}

// Scan lists what Discover leaves out, each with its reason, so a sync can
// say so instead of skipping without a word.
func TestScanListsWhatItSkips(t *testing.T) {
	t.Parallel()
	root := writeTree(t, t.TempDir(),
		"z.md", "b/image.png", "README", "slides.pptx", "data.bin",
		".hidden.md", ".git/config.md", "b/.drafts/draft.md",
	)
	require.NoError(t, os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "linkdir")))
	require.NoError(t, os.Symlink(filepath.Join(root, "missing.md"), filepath.Join(root, "dangling.md")))

	found, err := Scan(root)
	require.NoError(t, err)
	require.Equal(t, []File{{Path: filepath.Join(root, "z.md"), SourceURI: "z.md"}}, found.Files)
	var want []Skip
	for _, s := range [][2]string{
		{".git", "hidden folder"},
		{".hidden.md", "hidden file"},
		{"README", "no file extension"},
		{"b/.drafts", "hidden folder"},
		{"b/image.png", `unsupported file type ".png"`},
		{"dangling.md", "broken symbolic link"},
		{"data.bin", `unsupported file type ".bin"`},
		{"linkdir", "symbolic link to a folder (not followed)"},
		{"slides.pptx", `unsupported file type ".pptx"`},
	} {
		want = append(want, Skip{Path: filepath.Join(root, filepath.FromSlash(s[0])), SourceURI: s[0], Reason: s[1]})
	}
	require.Equal(t, want, found.Skipped)

	files, err := Discover(root)
	require.NoError(t, err)
	require.Equal(t, found.Files, files)
}
