// Package imagenet holds ImageNet-1k's classes: the WordNet synset ids in
// class order (the folder names of ImageNet's validation set as its devkit
// lays it out, n01440764/ for tench) and their lemmas, so that a data set
// named by id can be read against a model that names its classes. The ids
// come from timm's data files (synsets.tsv; scripts/gen_imagenet_synsets.py).
package imagenet

import (
	_ "embed"
	"regexp"
	"strings"
	"sync"
)

//go:embed synsets.tsv
var tsv string

// Class is one ImageNet-1k class.
type Class struct {
	Synset string   // WordNet noun synset id: "n01440764"
	Lemmas []string // its names: "tench", "Tinca tinca"
}

// Classes are ImageNet-1k's 1000 classes, index = class id.
var Classes = sync.OnceValue(func() []Class {
	var cs []Class
	for _, line := range strings.Split(tsv, "\n") {
		id, lemmas, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		c := Class{Synset: id}
		for _, l := range strings.Split(lemmas, ",") {
			c.Lemmas = append(c.Lemmas, strings.TrimSpace(l))
		}
		cs = append(cs, c)
	}
	return cs
})

var synsetRE = regexp.MustCompile(`^n[0-9]{8}$`)

// IsSynset reports whether s is written as a WordNet noun synset id
// ("n" and 8 digits), of ImageNet-1k's classes or not.
func IsSynset(s string) bool { return synsetRE.MatchString(s) }

// Is1k reports whether labels are ImageNet-1k's classes in its class order:
// 1000 of them, each one of its class's lemmas ("tench", as timm's
// label_names have it) or all of them as one string ("tench, Tinca tinca",
// as Hugging Face's id2label has it), letter case aside. Only then does a
// synset id name one of labels.
func Is1k(labels []string) bool {
	cs := Classes()
	if len(labels) != len(cs) {
		return false
	}
	for i, l := range labels {
		if !names(cs[i], l) {
			return false
		}
	}
	return true
}

// names reports whether label is one of c's lemmas or all of them.
func names(c Class, label string) bool {
	label = strings.TrimSpace(label)
	if strings.EqualFold(label, strings.Join(c.Lemmas, ", ")) {
		return true
	}
	for _, l := range c.Lemmas {
		if strings.EqualFold(label, l) {
			return true
		}
	}
	return false
}
