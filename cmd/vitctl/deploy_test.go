package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/vitctl/vitctl/internal/zoo"
)

// The deployment files of docs/scale.md are run here: their command lines,
// with the scheduler's variables set for every shard, go to the built
// binary in a folder laid out as the container or cluster sees it, and the
// shards' records together must be those of one unsharded run.

// dockerfile is what the tests need of deploy/Dockerfile's final stage.
type dockerfile struct {
	from       string            // the final stage's base image
	entrypoint []string          // exec form
	copies     map[string]string // destination → source, final stage
}

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\\\n", " "), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(word) {
		case "FROM":
			d = dockerfile{from: strings.Fields(rest)[0], copies: map[string]string{}}
		case "COPY":
			f := strings.Fields(rest)
			d.copies[f[len(f)-1]] = strings.Join(f[:len(f)-1], " ")
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &d.entrypoint); err != nil {
				t.Fatalf("%s: ENTRYPOINT %s is not in exec form (a scratch image has no shell): %v", path, rest, err)
			}
		}
	}
	return d
}

// TestDockerfile: a FROM scratch image holding the static binary, run as
// the entry point, and the model file.
func TestDockerfile(t *testing.T) {
	d := readDockerfile(t, "../../deploy/Dockerfile")
	if d.from != "scratch" || !slices.Equal(d.entrypoint, []string{"/vitctl"}) ||
		d.copies["/vitctl"] != "--from=build /vitctl" || d.copies["/models/model.gguf"] == "" {
		t.Errorf("deploy/Dockerfile: final stage %+v", d)
	}
}

// k8sJob is the part of a batch/v1 Job the test reads.
type k8sJob struct {
	Kind string
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int
		Template       struct {
			Spec struct {
				Containers []struct {
					Image   string
					Command []string
					Args    []string
					Env     []struct{ Name, Value string }
				}
			}
		}
	}
}

// TestKubernetesJob runs the Indexed Job's pods: the image's entry point
// with the container's args, $(VAR) expanded from the container's
// environment and the JOB_COMPLETION_INDEX Kubernetes adds, one run per
// index.
func TestKubernetesJob(t *testing.T) {
	b, err := os.ReadFile("../../deploy/kubernetes/classify-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job k8sJob
	if err := yaml.Unmarshal(b, &job); err != nil {
		t.Fatalf("classify-job.yaml: %v", err)
	}
	s := job.Spec
	if job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions < 2 || len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("classify-job.yaml: want one container in an Indexed Job of several completions: %+v", job)
	}
	c := s.Template.Spec.Containers[0]
	d := readDockerfile(t, "../../deploy/Dockerfile")
	argv := append(slices.Clone(d.entrypoint), c.Args...)
	if c.Command != nil {
		argv = append(slices.Clone(c.Command), c.Args...)
	}
	if argv[0] != "/vitctl" {
		t.Fatalf("the container runs %q, not the image's /vitctl", argv[0])
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["JOB_COMPLETION_COUNT"] != strconv.Itoa(s.Completions) {
		t.Errorf("JOB_COMPLETION_COUNT %q is not spec.completions %d", env["JOB_COMPLETION_COUNT"], s.Completions)
	}
	if i := slices.Index(argv, "-m"); i < 0 || d.copies[argv[i+1]] == "" {
		t.Errorf("the container's -m is not the model file the image holds (%v)", d.copies)
	}
	p := newPod(t, argv[1:])
	k8sVar := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	var outs, args []string
	for i := range s.Completions {
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i)
		args = nil
		for _, a := range argv[1:] {
			args = append(args, k8sVar.ReplaceAllStringFunc(a, func(v string) string { return env[v[2:len(v)-1]] }))
		}
		outs = append(outs, p.run(t, env, args))
	}
	p.check(t, args, outs)
}

// TestSlurmArray runs the array's tasks: the script's vitctl line with the
// variables Slurm sets for each task of #SBATCH --array=0-(N-1).
func TestSlurmArray(t *testing.T) {
	f, err := os.Open("../../deploy/slurm/classify-array.sh")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sbatch := map[string]string{}
	var cmdline string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if opt, ok := strings.CutPrefix(line, "#SBATCH --"); ok {
			k, v, _ := strings.Cut(opt, "=")
			sbatch[k] = v
		}
		if strings.HasPrefix(line, "vitctl ") || cmdline != "" && strings.HasSuffix(cmdline, "\\") {
			cmdline = strings.TrimSuffix(cmdline, "\\") + " " + strings.TrimSpace(line)
		}
	}
	var n int
	if _, err := fmt.Sscanf(sbatch["array"], "0-%d", &n); err != nil {
		t.Fatalf("#SBATCH --array=%s: want 0-(N-1)", sbatch["array"])
	}
	n++
	words := strings.Fields(strings.ReplaceAll(cmdline, `"`, ""))
	if len(words) < 2 || words[0] != "vitctl" {
		t.Fatalf("no vitctl command line in the script")
	}
	p := newPod(t, words[1:])
	var outs, args []string
	for i := range n {
		env := map[string]string{"SLURM_ARRAY_TASK_ID": strconv.Itoa(i), "SLURM_ARRAY_TASK_COUNT": strconv.Itoa(n),
			"SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": strconv.Itoa(n - 1), "SLURM_ARRAY_TASK_STEP": "1",
			"SLURM_CPUS_PER_TASK": sbatch["cpus-per-task"]}
		args = nil
		for _, w := range words[1:] {
			args = append(args, os.Expand(w, func(v string) string { return env[v] }))
		}
		outs = append(outs, p.run(t, env, args))
	}
	p.check(t, args, outs)
}

// pod is a temporary root laid out as a pod or node sees it for a vitctl
// command line: the model file at -m, a folder of images as the last
// argument, the --out folder.
type pod struct{ root, model, images string }

func newPod(t *testing.T, args []string) pod {
	t.Helper()
	p := pod{root: t.TempDir()}
	for i, a := range args[:len(args)-1] {
		switch a {
		case "-m":
			p.model = p.path(args[i+1])
		case "--out":
			os.MkdirAll(filepath.Dir(p.path(args[i+1])), 0o755)
		}
	}
	p.images = p.path(args[len(args)-1])
	if p.model == "" {
		t.Fatalf("%q: no -m", args)
	}
	os.MkdirAll(filepath.Dir(p.model), 0o755)
	fashion, _ := zoo.Lookup("fashion-vit")
	os.WriteFile(p.model, fashion.GGUF, 0o644)
	src, err := os.ReadFile("../../testdata/images/fashion/0001_pullover.png")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		dir := filepath.Join(p.images, fmt.Sprintf("class%d", i%3))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.png", i)), src, 0o644)
	}
	return p
}

// path is where a path of the command line lies under the root; relative
// paths are relative to the root.
func (p pod) path(a string) string { return filepath.Join(p.root, a) }

// run runs the binary in the root with args whose absolute paths are moved
// under it and env added, and returns the --out file.
func (p pod) run(t *testing.T, env map[string]string, args []string) string {
	t.Helper()
	var out string
	args = slices.Clone(args)
	for i, a := range args {
		if filepath.IsAbs(a) {
			args[i] = p.path(a)
		}
		if i > 0 && args[i-1] == "--out" {
			out = p.path(a)
		}
	}
	cmd := exec.Command(vitctl, args...)
	cmd.Dir = p.root
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vitctl %q: %v\n%s", args, err, b)
	}
	if out == "" {
		t.Fatalf("vitctl %q: no --out file", args)
	}
	return out
}

// check compares the shards' records with those of the same command line
// run once without --shard, --out and --resume, to stdout.
func (p pod) check(t *testing.T, args, outs []string) {
	t.Helper()
	var got []byte
	for _, o := range outs {
		b, err := os.ReadFile(o)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	var whole []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--shard" || a == "--out":
			i++
		case a == "--resume":
		case filepath.IsAbs(a):
			whole = append(whole, p.path(a))
		default:
			whole = append(whole, a)
		}
	}
	want, err := exec.Command(vitctl, whole...).Output()
	if err != nil {
		t.Fatalf("vitctl %q: %v", whole, err)
	}
	compareRecords(t, got, want, 30)
}
