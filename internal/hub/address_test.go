package hub

import "testing"

// TestRefFromAddress: the addresses a user pastes for -m give the name to
// give instead; other things give none.
func TestRefFromAddress(t *testing.T) {
	for s, want := range map[string]string{
		"https://huggingface.co/google/vit-base-patch16-224":             "google/vit-base-patch16-224@main",
		"https://huggingface.co/google/vit-base-patch16-224/":            "google/vit-base-patch16-224@main",
		"huggingface.co/google/vit-base-patch16-224":                     "google/vit-base-patch16-224@main",
		"http://hf.co/google/vit-base-patch16-224":                       "google/vit-base-patch16-224@main",
		"https://huggingface.co/google/vit-base-patch16-224/tree/main":   "google/vit-base-patch16-224@main",
		"https://huggingface.co/facebook/deit-tiny-patch16-224/tree/v2":  "facebook/deit-tiny-patch16-224@v2",
		"https://huggingface.co/org/m/blob/1a2b3c4/model.safetensors":    "org/m@1a2b3c4",
		"https://huggingface.co/org/m/resolve/main/config.json":          "org/m@main",
		"google/vit-base-patch16-224/":                                   "google/vit-base-patch16-224@main",
		"https://huggingface.co/datasets/org/data":                       "",
		"https://huggingface.co/datasets/org":                            "",
		"https://huggingface.co/spaces/org/app":                          "",
		"https://huggingface.co/google":                                  "",
		"https://example.com/google/vit":                                 "",
		"https://huggingface.co/google/vit-base-patch16-224/discussions": "",
		"photos/flowers/":                        "photos/flowers@main", // the caller asks only of no file or folder
		"a/b/c":                                  "",
		"https://huggingface.co/google/vit base": "",
	} {
		r, ok := RefFromAddress(s)
		if got := map[bool]string{true: r.String()}[ok]; got != want {
			t.Errorf("RefFromAddress(%q) = %q, want %q", s, got, want)
		}
	}
}
