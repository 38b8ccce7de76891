package request

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var train = flag.Bool("train", false, "retrain routemodel.gob.gz from the labelled citizen messages")

// messagesPath is where the labelled citizen messages live in the
// development checkout; tests that need them skip when they are absent.
const messagesPath = "../../../shared/data/msgabench-beijing-gov-qa/citizen_messages_dev_7000.jsonl"

// TestTrainModel regenerates the embedded model with -train.
func TestTrainModel(t *testing.T) {
	if !*train {
		t.Skip("run with -train to regenerate routemodel.gob.gz")
	}
	ms, err := LoadMessages(messagesPath)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteModel(&b, TrainModel(ms)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("routemodel.gob.gz", b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d bytes", b.Len())
}
