package bench

import "supportd/internal/eval"

// The quality benchmark reads the same dataset folders as the golden-set
// runner (eval.LoadDataset).
type (
	// Dataset is a retrieval test set.
	Dataset = eval.Dataset
	// DatasetSection is one section, ingested as one document.
	DatasetSection = eval.DatasetSection
	// DatasetQuestion is one question with its relevant sections.
	DatasetQuestion = eval.DatasetQuestion
)

// ErrNoDataset means the dataset folder does not exist.
var ErrNoDataset = eval.ErrNoDataset

// LoadDataset reads the dataset in dir; see eval.LoadDataset.
func LoadDataset(dir string) (Dataset, error) { return eval.LoadDataset(dir) }
