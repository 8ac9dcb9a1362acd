package ingest

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
	"github.com/stretchr/testify/require"
)

// tiktokenCL100k is the reference the counter must agree with. tiktoken's
// loader is a package variable, so it is set once for the test binary.
var tiktokenCL100k = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
	return tiktoken.GetEncoding(tiktoken.MODEL_CL100K_BASE)
})

// datasetsDir is the shared development sets, relative to this package.
const datasetsDir = "../../../shared/datasets"

// TestCountIsTiktokens holds the hand-written pre-tokenizer and memoised
// BPE to tiktoken-go's count, exactly, on text chosen to reach every
// alternative of cl100k's pattern, on random text over the character
// classes it distinguishes, on the benchmark document and on both
// development sets (each document whole and by paragraph).
func TestCountIsTiktokens(t *testing.T) {
	t.Parallel()
	enc, err := tiktokenCL100k()
	require.NoError(t, err)
	c, err := cl100k()
	require.NoError(t, err)
	texts := []string{"", " ", "a", "  ", "\n", "\r\n", " \n ", "\n\n\n  x", "x  \t y", "x \n\t y  ", "   ",
		"don't", "DON'T", "I'll we'RE they've 'sam 'x '", "'s's", "a'Ll", "(hello) [x] -- ... !?",
		"12345 1 22 333 4444 ٣٤٥ ½", "a1b2 c3", " 1", " ,", ",,a", "x.\n\ny", "x.\r\n\r\n", "\t\ttab",
		"naïve café résumé", "cafe\u0301 e\u0301", "日本語のテキスト", "emoji 🙂🙂 x", "\u00a0nbsp\u00a0 x",
		"a\u2028b\u2029c", "<|endoftext|> ordinary", "https://example.com/a?b=c&d=e#f", "x\x80\xffy", "\xe2\x82",
		strings.Repeat("ab", 40), strings.Repeat(" ", 40) + "x", strings.Repeat("\n", 5) + strings.Repeat(" ", 3)}
	rng := rand.New(rand.NewPCG(13, 2))
	alphabet := []string{"a", "Z", "é", "ß", "日", "1", "٣", " ", "  ", "\t", "\n", "\r", "\u00a0", "'", "'s", "'ll",
		".", ",", "-", "(", "\u0301", "🙂", "_", "$", "\u2028", "\x80"}
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(24) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	texts = append(texts, benchDocument(64<<10))
	for _, f := range []string{"emanual-s10/s10_corpus.jsonl", "anthropic-docs/corpus.jsonl"} {
		docs := datasetTexts(t, filepath.Join(datasetsDir, f))
		for _, d := range docs {
			texts = append(texts, d)
			texts = append(texts, strings.Split(d, "\n\n")...)
		}
	}
	for _, s := range texts {
		require.Equal(t, len(enc.EncodeOrdinary(s)), c.count(s), "%q", s)
	}
}

// datasetTexts reads the text of each document of a shared development
// set, or none when the set is not beside the repository.
func datasetTexts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Logf("development set not found at %s (shared/datasets beside the repository): %v", path, err)
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var d struct {
			Text string `json:"text"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &d))
		out = append(out, d.Text)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}
