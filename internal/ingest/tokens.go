package ingest

import (
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// cl100k returns the cl100k_base encoding, built on first use and shared by
// every Chunker.
//
// This is the package's one piece of package-level state, and it is
// deliberate. tiktoken keeps its BPE loader in a package variable that
// SetBpeLoader overwrites without locking, and caches loaded encodings
// process-wide; its default loader downloads the BPE file at run time. The
// offline loader (the file embedded in the binary) must therefore be
// installed once per process, before the first GetEncoding, and no guard
// narrower than the process could make that safe: two Chunkers with their own
// sync.Once would still race on tiktoken's variable. The once also shares
// the encoder itself, which takes tens of megabytes and about 100 ms to build
// and is safe for concurrent use. Other packages that need cl100k token
// counts should use a Chunker rather than call tiktoken directly, so the
// loader is never swapped under a running encoding.
var cl100k = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
	return tiktoken.GetEncoding(tiktoken.MODEL_CL100K_BASE)
})
