package hub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestTokenNotSentAfterRedirect: a Hub (or a mirror set with HF_ENDPOINT)
// that answers the HEAD with 200 but redirects the GET sends the download
// to another server. The token goes to the endpoint only, as
// huggingface_hub drops it for another host: Go's own redirect policy
// keeps Authorization for the same host name on another port, for a
// subdomain and from https to http, so a mirror's storage on
// 127.0.0.1:OTHER (or cdn.HOST) was sent the user's token. A relative
// redirect stays on the endpoint and keeps it.
func TestTokenNotSentAfterRedirect(t *testing.T) {
	body := []byte(`{"a":1}`)
	var mu sync.Mutex
	var leaked []string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			mu.Lock()
			leaked = append(leaked, r.Method+" "+r.URL.Path+": "+a)
			mu.Unlock()
		}
		w.Write(body)
	}))
	defer storage.Close()
	var hubAuth []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hubAuth = append(hubAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("X-Repo-Commit", commitA)
		w.Header().Set("ETag", `"`+strings.Repeat("a", 40)+`"`)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/moved":
			http.Redirect(w, r, storage.URL+"/blob", http.StatusFound)
			return
		case r.Method == http.MethodGet: // a relative redirect: the endpoint still, with the token
			http.Redirect(w, r, "/moved", http.StatusFound)
			return
		}
		w.Header().Set("Content-Length", "7")
	}))
	defer hub.Close()
	// Both servers are on 127.0.0.1: only the port tells them apart.
	c := &Client{Endpoint: hub.URL, CacheDir: t.TempDir(), Token: "hf_secret", Attempts: 1}
	if _, _, err := c.File(context.Background(), mustRef(t, "org/x"), "config.json"); err != nil {
		t.Fatal(err)
	}
	if len(leaked) > 0 {
		t.Errorf("the token reached the server the download was redirected to: %v", leaked)
	}
	if len(hubAuth) != 3 {
		t.Errorf("the Hub had %d requests, want 3 (HEAD, GET, the GET it redirected to itself)", len(hubAuth))
	}
	for _, a := range hubAuth {
		if a != "Bearer hf_secret" {
			t.Errorf("a request to the Hub itself had Authorization %q", a)
		}
	}
}

// TestStatusEscapesQuoted: the reason phrase and X-Error-Message are the
// server's text; a terminal obeyed the escapes in them (a window title
// set, the screen cleared). Messages quote them.
func TestStatusEscapesQuoted(t *testing.T) {
	for _, tt := range []struct{ status, msg, want string }{
		{"500 \x1b]0;owned\a", "", `"500 \x1b]0;owned\a" from `},
		{"500 Internal Server Error", "bad \u009b2J", `500 Internal Server Error: "bad \u009b2J"`},
		{"500 Internal Server Error", "plain words", `500 Internal Server Error: plain words`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 " + tt.status + "\r\n")
			if tt.msg != "" {
				buf.WriteString("X-Error-Message: " + tt.msg + "\r\n")
			}
			buf.WriteString("Content-Length: 0\r\nConnection: close\r\n\r\n")
			buf.Flush()
		}))
		c := &Client{Endpoint: srv.URL, CacheDir: t.TempDir(), Attempts: 1}
		_, _, err := c.File(context.Background(), mustRef(t, "org/x"), "config.json")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("status %q, X-Error-Message %q: error %v, want %s", tt.status, tt.msg, err, tt.want)
		}
	}
}
