package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadJSONErrors: a config.json that is not JSON, or has a value of
// the wrong kind, is refused naming the file, where (line and column or
// line) and, for a wrong kind, the field and what it must be.
func TestReadJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"bad key", "{\n  \"model_type\": \"vit\",\n    bad\n}", `config.json: not valid JSON at line 3, column 5: invalid character 'b' looking for beginning of object key string`},
		{"first line", "{broken", `config.json: not valid JSON at line 1, column 2: invalid character 'b' looking for beginning of object key string`},
		{"after a wide character", "{\"id2label\": {\"0\": \"café\"},\n \"é\": x}", `config.json: not valid JSON at line 2, column 7: invalid character 'x' looking for beginning of value`},
		{"cut short", "{\n  \"hidden_size\": 8,\n", `config.json: not valid JSON at line 3, column 1: unexpected end of JSON input`},
		{"empty", "", `config.json: empty file (0 bytes): the download or copy wrote nothing; fetch it again`},
		{"blank", "\n", `config.json: not valid JSON at line 2, column 1: unexpected end of JSON input`},
		{"trailing", "{}\n}", `config.json: not valid JSON at line 2, column 1: invalid character '}' after top-level value`},
		{"string for int", "{\n  \"model_type\": \"vit\",\n  \"hidden_size\": \"64\"\n}", `config.json: line 3: "hidden_size" is a string, expected an integer`},
		{"fraction for int", `{"num_hidden_layers": 1.5}`, `config.json: line 1: "num_hidden_layers" is the number 1.5, expected an integer`},
		{"bool for float", "{\n\"layer_norm_eps\": true}", `config.json: line 2: "layer_norm_eps" is true or false, expected a number`},
		{"string for array", `{"architectures": "ViTModel"}`, `config.json: line 1: "architectures" is a string, expected an array`},
		{"array for object", `[1, 2]`, `config.json: the file holds an array, expected an object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			var hc hfConfig
			err := readJSON(path, &hc)
			if err == nil {
				t.Fatal("read")
			}
			if want := filepath.Join(filepath.Dir(path), tc.want); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n%v\nwant\n%s", err, want)
			}
		})
	}
}
