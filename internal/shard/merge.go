package shard

import (
	"fmt"
	"io"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// Merger joins the JSONL files of a sharded run, copying every record once.
// A record classify did not write (a *NotResultsError, as Resume refuses),
// a path with records in two files, or in one file twice, records of two
// models or with top_k lists of two lengths (shards run with different
// -k), and a file whose last line is torn are errors that name the files.
type Merger struct {
	from  map[string]string // path → the file holding its record
	model oneModel
	topK  oneTopK
}

// NewMerger starts an empty merge.
func NewMerger() *Merger { return &Merger{from: map[string]string{}} }

// Add copies the records of the file called name, read from r, to w.
func (m *Merger) Add(name string, r io.Reader, w io.Writer) error {
	cr := &countingReader{r: r}
	complete, err := ScanRecords(cr, func(rec Record, line []byte) error {
		if prev, ok := m.from[rec.Path]; ok {
			return fmt.Errorf("a second record for %s (the first is in %s)", bytestr.Text(rec.Path), prev)
		}
		if err := m.model.add(rec, name); err != nil {
			return err
		}
		if err := m.topK.add(rec, name); err != nil {
			return fmt.Errorf("%w Run the shards again with one -k", err)
		}
		m.from[rec.Path] = name
		_, err := w.Write(line)
		return err
	})
	if Foreign(err) {
		return foreignFile(name, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if cr.n > complete {
		return fmt.Errorf("%s: ends with a torn line (its run was killed): run that shard again with --resume", name)
	}
	return nil
}

// oneTopK checks that records hold top_k lists of one length: the first
// record with a top_k sets it, and records without one (a failed input's)
// join any.
type oneTopK struct {
	first Record // the first record with a top_k
	file  string // the file holding first
}

// add checks rec, read from file, against the records before it.
func (o *oneTopK) add(rec Record, file string) error {
	switch {
	case rec.TopK == 0:
		return nil
	case o.first.TopK == 0:
		o.first, o.file = rec, file
		return nil
	case rec.TopK == o.first.TopK:
		return nil
	}
	return &MixedError{fmt.Sprintf("the record for %s holds the top %s, but %s holds the top %s of each image: were the runs given different -k?",
		bytestr.Text(rec.Path), labels(rec.TopK), o.file, labels(o.first.TopK))}
}

// labels is "1 label" or "n labels".
func labels(n int) string {
	if n == 1 {
		return "1 label"
	}
	return fmt.Sprintf("%d labels", n)
}

// Has says whether a record for path was merged.
func (m *Merger) Has(path string) bool { _, ok := m.from[path]; return ok }

// Paths calls fn with the path of every merged record, in no order.
func (m *Merger) Paths(fn func(path string)) {
	for p := range m.from {
		fn(p)
	}
}

// Len is the number of records merged.
func (m *Merger) Len() int { return len(m.from) }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
