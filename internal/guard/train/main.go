// Command train fits the statistical layer of the prompt-injection
// detector to internal/guard/testdata/train and writes the weights file
// that package guard embeds. `make detector-model` runs it; the same data
// and parameters always give the same file.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"supportd/internal/guard"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "internal/guard/testdata/train", "training data directory")
	out := fs.String("out", "internal/guard/detector_model.bin.gz", "weights file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	examples, err := guard.LoadTrainingSet(os.DirFS(*data))
	if err != nil {
		return err
	}
	m := guard.TrainModel(examples, guard.DefaultTrainParams())
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	attacks := 0
	for _, e := range examples {
		if e.Attack {
			attacks++
		}
	}
	_, err = fmt.Fprintf(stdout, "trained on %d examples (%d attacks, %d benign); wrote %s (%d bytes)\n",
		len(examples), attacks, len(examples)-attacks, *out, len(b))
	return err
}
