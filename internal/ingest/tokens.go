package ingest

import (
	"sync"

	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// cl100k returns the cl100k_base token counter, built on first use and
// shared by every Chunker.
//
// This is the package's one piece of package-level state, and it is
// deliberate: the encoding's ranks take tens of megabytes and about 100 ms
// to load from the file embedded in the binary, and the counter's memory
// of counted pieces is worth sharing between every Chunker of the process.
// The counter is safe for concurrent use. Other packages that need cl100k
// token counts should use a Chunker.
var cl100k = sync.OnceValues(func() (*counter, error) {
	ranks, err := tiktokenloader.NewOfflineLoader().LoadTiktokenBpe("cl100k_base.tiktoken")
	if err != nil {
		return nil, err
	}
	return newCounter(ranks), nil
})
