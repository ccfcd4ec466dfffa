package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/zoo"
)

func init() { subcommands = append(subcommands, newModelsCmd) }

// modelsOptions are models' flags.
type modelsOptions struct {
	output  *outputFlags
	notices bool
}

func newModelsCmd(s streams) *cobra.Command {
	o := &modelsOptions{output: newOutputFlags("text", "json")}
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models -m accepts by name",
		Long: `models lists the models that -m takes by name, without a path: the ones
built into vitctl (the first is the default). --notices prints the licence
notices that come with them.`,
		Example: `  vitctl models
  vitctl classify -m fashion-vit testdata/images/fashion
  vitctl models --notices`,
		Args: noArgs("it lists the built-in models; -m NAME selects one in other commands"),
		RunE: func(*cobra.Command, []string) error { return runModels(s, o) },
	}
	f := cmd.Flags()
	o.output.register(f)
	f.BoolVar(&o.notices, "notices", false, "print the licence notices of the built-in models instead")
	return cmd
}

// modelEntry is one model vitctl models lists; field names are stable.
type modelEntry struct {
	Name        string `json:"name"`    // what -m takes
	Where       string `json:"where"`   // "built-in"
	Default     bool   `json:"default"` // used without -m
	Labels      int    `json:"labels"`  // number of classes
	Bytes       int    `json:"bytes"`   // size of the model file
	SHA256      string `json:"sha256"`  // short SHA-256 of its tensor data, as in classify's records
	Description string `json:"description"`
}

// modelEntries lists the models -m can name without a path. Model caches
// add their entries here.
func modelEntries() ([]modelEntry, error) {
	var out []modelEntry
	for _, z := range zoo.All() {
		f, err := gguf.FromBytes(z.GGUF)
		if err != nil {
			return nil, fmt.Errorf("built-in model %s: %w", z.Name, err)
		}
		sum, err := f.TensorDataSHA256()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("built-in model %s: %w", z.Name, err)
		}
		out = append(out, modelEntry{Name: z.Name, Where: "built-in", Default: z.Name == zoo.Default,
			Labels: z.Labels, Bytes: len(z.GGUF), SHA256: sum[:12], Description: z.Description})
	}
	return out, nil
}

func runModels(s streams, o *modelsOptions) error {
	if o.notices {
		for _, z := range zoo.All() {
			if z.Notice != "" {
				fmt.Fprintf(s.out, "==> %s <==\n%s\n", z.Name, z.Notice)
			}
		}
		return nil
	}
	entries, err := modelEntries()
	if err != nil {
		return err
	}
	if o.output.format.val == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	return writeModels(s.out, entries)
}

// writeModels prints one row per model, the default marked with a star.
func writeModels(w io.Writer, entries []modelEntry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tWHERE\tLABELS\tSIZE\tSHA256\tDESCRIPTION")
	for _, e := range entries {
		name := e.Name
		if e.Default {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", name, e.Where, e.Labels, humanBytes(int64(e.Bytes)), e.SHA256, e.Description)
	}
	return tw.Flush()
}
