package fetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"http://x/a.jpg": true, "HTTPS://x": true, "https://": false, "ftp://x/a": false,
		"photos/a.jpg": false, "http:/x": false, "C:\\x.png": false, "-": false,
	} {
		if IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v", s, !want)
		}
	}
}

func TestGet(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 20 { // no Content-Length: the cap must stop the read
			w.Write(body)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:10])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(body[:100])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	g := &Getter{Timeout: 300 * time.Millisecond, MaxBytes: 5000}
	tests := []struct {
		path string
		want string // error text; "" for success
	}{
		{"/ok", ""},
		{"/moved", ""},
		{"/missing", "404 Not Found"},
		{"/chunked", "too large: more than 5000 bytes"},
		{"/slow", "no complete answer within 300ms"},
		{"/cut", "connection closed before the whole body arrived"},
	}
	for _, tt := range tests {
		data, err := g.Get(context.Background(), srv.URL+tt.path)
		switch {
		case tt.want == "" && (err != nil || !bytes.Equal(data, body)):
			t.Errorf("%s: %d bytes, %v", tt.path, len(data), err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.path, err, tt.want)
		case err != nil && strings.Contains(err.Error(), srv.URL):
			t.Errorf("%s: error %q repeats the URL", tt.path, err)
		}
	}
	small := &Getter{MaxBytes: 999}
	if _, err := small.Get(context.Background(), srv.URL+"/ok"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Content-Length over the cap: %v", err)
	}
	if _, err := g.Get(context.Background(), "http://127.0.0.1:1/x.png"); err == nil || !strings.Contains(err.Error(), "cannot download") {
		t.Errorf("closed port: %v", err)
	}
}
