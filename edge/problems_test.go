package edge

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers"
)

// TestSetProblemLogs: a problem is logged once when it appears (Warn) and
// once per change of its text, never for a repeat of the same text (a
// retry loop), and once when it clears (Info, "resolved: …"); clearing what
// is not there logs nothing. Health shows exactly the current problems.
func TestSetProblemLogs(t *testing.T) {
	cls, err := providers.NewClassifier(providers.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, filepath.Join(t.TempDir(), "j.db"))
	defer j.Close()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := New(Config{Journal: j, Classifier: cls, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ Level, Msg, Key string }
	for _, step := range []struct {
		name         string
		key, problem string
		want         []line // what this step logs
		health       []string
	}{
		{"clearing what is not there", "wallet:jkopay", "", nil, nil},
		{"appears", "wallet:jkopay", "wallet jkopay refused",
			[]line{{"WARN", "problem: wallet jkopay refused", "wallet:jkopay"}}, []string{"wallet jkopay refused"}},
		{"repeats on a retry", "wallet:jkopay", "wallet jkopay refused", nil, []string{"wallet jkopay refused"}},
		{"another key", "payment:p1", "payment p1 needs a person",
			[]line{{"WARN", "problem: payment p1 needs a person", "payment:p1"}}, []string{"payment p1 needs a person", "wallet jkopay refused"}},
		{"text changes", "wallet:jkopay", "wallet jkopay refused again",
			[]line{{"WARN", "problem: wallet jkopay refused again", "wallet:jkopay"}}, []string{"payment p1 needs a person", "wallet jkopay refused again"}},
		{"clears", "wallet:jkopay", "",
			[]line{{"INFO", "resolved: wallet jkopay refused again", "wallet:jkopay"}}, []string{"payment p1 needs a person"}},
		{"clears again", "wallet:jkopay", "", nil, []string{"payment p1 needs a person"}},
		{"comes back", "wallet:jkopay", "wallet jkopay refused",
			[]line{{"WARN", "problem: wallet jkopay refused", "wallet:jkopay"}}, []string{"payment p1 needs a person", "wallet jkopay refused"}},
	} {
		buf.Reset()
		e.setProblem(step.key, step.problem)
		var got []line
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var v struct {
				Level, Msg string
				Key        string `json:"problem"`
			}
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("%s: log line %q: %v", step.name, l, err)
			}
			got = append(got, line{v.Level, v.Msg, v.Key})
		}
		if !slices.Equal(got, step.want) {
			t.Errorf("%s: logged %+v, want %+v", step.name, got, step.want)
		}
		if h := e.Health(); !slices.Equal(h.Problems, step.health) {
			t.Errorf("%s: Health().Problems = %q, want %q", step.name, h.Problems, step.health)
		}
	}
}
