// Package shard splits a folder run across machines and lets a killed run
// resume. A Spec says which of N shards this process is; every input
// belongs to exactly one shard, chosen by a hash of its path relative to
// the input root, so each shard decides alone, without a coordinator or
// the other shards' listings. A Log is a JSONL output file that a rerun
// appends to, skipping the inputs it already holds.
//
// The package reads no flags and no environment: the caller passes a
// lookup function (os.Getenv) to Parse.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Spec is shard Index of Count (0 ≤ Index < Count). The zero value, and
// any Count of 1, is the whole run.
type Spec struct{ Index, Count int }

// Of is the shard of N that owns the input with this key: the first 8 bytes
// of the SHA-256 of the key, read big-endian, modulo n. Any tool can
// reproduce it (Python: int.from_bytes(sha256(key).digest()[:8], "big") % n).
func Of(key string, n int) int {
	h := sha256.Sum256([]byte(key))
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(n))
}

// Owns says whether the input with this key belongs to shard s.
func (s Spec) Owns(key string) bool { return s.Count <= 1 || Of(key, s.Count) == s.Index }

func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Environment variables read by "auto".
const (
	EnvK8sIndex   = "JOB_COMPLETION_INDEX"   // set by Kubernetes for each pod of an Indexed Job
	EnvK8sCount   = "JOB_COMPLETION_COUNT"   // not set by Kubernetes: the manifest sets it to spec.completions
	EnvSlurmID    = "SLURM_ARRAY_TASK_ID"    // set by Slurm for each task of a job array
	EnvSlurmCount = "SLURM_ARRAY_TASK_COUNT" // the number of tasks in the array
	EnvSlurmMin   = "SLURM_ARRAY_TASK_MIN"   // the array's first index
	EnvSlurmStep  = "SLURM_ARRAY_TASK_STEP"  // the array's index step
)

// Parse reads "I/N" (0-based I), "auto" or "auto/N". "auto" takes the index
// from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm job array
// (SLURM_ARRAY_TASK_ID, counted from SLURM_ARRAY_TASK_MIN in steps of
// SLURM_ARRAY_TASK_STEP) and the count from N, JOB_COMPLETION_COUNT or
// SLURM_ARRAY_TASK_COUNT. A missing, malformed or disagreeing value is an
// error that names the variable.
func Parse(s string, getenv func(string) string) (Spec, error) {
	idx, cnt, ok := strings.Cut(s, "/")
	if idx != "auto" {
		if !ok {
			return Spec{}, fmt.Errorf("%q: want I/N (0 ≤ I < N), auto or auto/N", s)
		}
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(cnt)
		if err1 != nil || err2 != nil {
			return Spec{}, fmt.Errorf("%q: want I/N with whole numbers (0 ≤ I < N), auto or auto/N", s)
		}
		return check(Spec{i, n}, strconv.Quote(s))
	}
	var counts []source
	if ok {
		n, err := strconv.Atoi(cnt)
		if err != nil {
			return Spec{}, fmt.Errorf("%q: N in auto/N must be a whole number", s)
		}
		counts = append(counts, source{s, n})
	}
	env, err := fromEnv(getenv)
	if err != nil {
		return Spec{}, err
	}
	if len(env.index) == 0 {
		return Spec{}, fmt.Errorf("auto: neither %s (Kubernetes Indexed Job) nor %s (Slurm job array) is set; give --shard I/N", EnvK8sIndex, EnvSlurmID)
	}
	i, err := agree("index", env.index)
	if err != nil {
		return Spec{}, err
	}
	counts = append(counts, env.count...)
	if len(counts) == 0 {
		return Spec{}, fmt.Errorf("auto: the shard count is not known: give --shard auto/N or set %s (%s is set by Slurm)", EnvK8sCount, EnvSlurmCount)
	}
	n, err := agree("count", counts)
	if err != nil {
		return Spec{}, err
	}
	return check(Spec{i, n}, fmt.Sprintf("%q (index %d of %d)", s, i, n))
}

// check refuses a count below 1 and an index outside 0 to count-1, naming
// that range: "--shard 2/2" of the second of two shards said only that the
// index must be below the count.
func check(sp Spec, what string) (Spec, error) {
	switch {
	case sp.Count < 1:
		return Spec{}, fmt.Errorf("%s: the count must be at least 1", what)
	case sp.Count == 1 && sp.Index != 0:
		return Spec{}, fmt.Errorf("%s: the index counts from 0: with 1 shard it is 0 (0/1)", what)
	case sp.Index < 0 || sp.Index >= sp.Count:
		return Spec{}, fmt.Errorf("%s: the index counts from 0: with %d shards it is 0 to %d (0/%d … %d/%d)",
			what, sp.Count, sp.Count-1, sp.Count, sp.Count-1, sp.Count)
	}
	return sp, nil
}

// source is a value and where it came from.
type source struct {
	from string
	v    int
}

type envValues struct{ index, count []source }

// fromEnv reads the scheduler variables that are set.
func fromEnv(getenv func(string) string) (envValues, error) {
	var e envValues
	num := func(name string) (int, bool, error) {
		s := getenv(name)
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return 0, false, fmt.Errorf("auto: %s=%q is not a whole number", name, s)
		}
		return v, true, nil
	}
	if v, ok, err := num(EnvK8sIndex); err != nil {
		return e, err
	} else if ok {
		e.index = append(e.index, source{EnvK8sIndex, v})
	}
	if v, ok, err := num(EnvK8sCount); err != nil {
		return e, err
	} else if ok {
		e.count = append(e.count, source{EnvK8sCount, v})
	}
	id, ok, err := num(EnvSlurmID)
	if err != nil || !ok {
		return e, err
	}
	first, _, err := num(EnvSlurmMin)
	if err != nil {
		return e, err
	}
	step, hasStep, err := num(EnvSlurmStep)
	if err != nil {
		return e, err
	}
	if !hasStep || step == 0 {
		step = 1
	}
	if id < first || (id-first)%step != 0 {
		return e, fmt.Errorf("auto: %s=%d is not %s=%d plus a multiple of %s=%d; submit the array as --array=0-(N-1)",
			EnvSlurmID, id, EnvSlurmMin, first, EnvSlurmStep, step)
	}
	e.index = append(e.index, source{EnvSlurmID, (id - first) / step})
	if v, ok, err := num(EnvSlurmCount); err != nil {
		return e, err
	} else if ok {
		e.count = append(e.count, source{EnvSlurmCount, v})
	}
	return e, nil
}

// agree returns the value all sources give, or an error naming two that differ.
func agree(what string, srcs []source) (int, error) {
	for _, s := range srcs[1:] {
		if s.v != srcs[0].v {
			return 0, fmt.Errorf("auto: the shard %s is %d by %s but %d by %s", what, srcs[0].v, srcs[0].from, s.v, s.from)
		}
	}
	return srcs[0].v, nil
}
