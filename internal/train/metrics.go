package train

import "sort"

// Report is a classifier's quality on a labelled set.
type Report struct {
	Labels    []string     `json:"labels"`
	N         int          `json:"n"`
	Top1      float64      `json:"top1"`
	Top5      *float64     `json:"top5"` // nil (null) for 5 classes or fewer: it would always be 1
	PerClass  []ClassScore `json:"per_class"`
	Confusion [][]int      `json:"confusion"` // [true][predicted]
}

// ClassScore is one class's precision, recall and F1.
type ClassScore struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Score computes the report from each example's true class and logits.
func Score(labels []string, truth []int, logits [][]float32) Report {
	L := len(labels)
	r := Report{Labels: labels, N: len(truth), Confusion: make([][]int, L)}
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, L)
	}
	top1, top5 := 0, 0
	for i, y := range truth {
		order := rank(logits[i])
		r.Confusion[y][order[0]]++
		if order[0] == y {
			top1++
		}
		for _, k := range order[:min(5, L)] {
			if k == y {
				top5++
			}
		}
	}
	if r.N > 0 {
		r.Top1 = float64(top1) / float64(r.N)
		if L > 5 {
			r.Top5 = new(float64(top5) / float64(r.N))
		}
	}
	for c := range L {
		tp, pred, sup := r.Confusion[c][c], 0, 0
		for k := range L {
			pred += r.Confusion[k][c]
			sup += r.Confusion[c][k]
		}
		s := ClassScore{Label: labels[c], Support: sup}
		if pred > 0 {
			s.Precision = float64(tp) / float64(pred)
		}
		if sup > 0 {
			s.Recall = float64(tp) / float64(sup)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerClass = append(r.PerClass, s)
	}
	return r
}

// rank returns the class ids by decreasing logit, ties by id.
func rank(l []float32) []int {
	idx := make([]int, len(l))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return l[idx[a]] > l[idx[b]] })
	return idx
}
