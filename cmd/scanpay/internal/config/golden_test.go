package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestEffectiveGolden pins check-config's output for a file using every
// table: resolved paths, defaults, the merged classification table, and
// the secret redacted.
func TestEffectiveGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "/etc/scanpay", Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	c.Path = "/etc/scanpay/scanpay.toml"
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	// The classification table belongs to providers/ and changes with it;
	// the golden keeps only whether the override was merged in.
	got := withoutClassify(out.String())
	if runtime.GOOS == "windows" {
		// The same resolved paths, with Windows' separator (escaped in
		// TOML); the golden holds them with '/'.
		got = strings.ReplaceAll(got, `\\`, "/")
	}
	if !strings.Contains(out.String(), `prefix = "98"`) {
		t.Error("the [[classify]] override is not in the effective table")
	}
	golden := filepath.Join("testdata", "effective.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("effective configuration differs from %s (run with -update if intended):\n%s", golden, got)
	}
	if strings.Contains(out.String(), "golden-secret-key") {
		t.Error("the secret is printed")
	}
}

// withoutClassify drops the [[classify]] tables from a printout.
func withoutClassify(s string) string {
	var b strings.Builder
	skip := false
	for _, line := range strings.SplitAfter(s, "\n") {
		switch {
		case strings.HasPrefix(line, "[[classify]]"):
			skip = true
		case strings.HasPrefix(line, "["):
			skip = false
		}
		if !skip {
			b.WriteString(line)
		}
	}
	return b.String()
}

// FuzzParse: any input is either refused with a *config.Error or accepted
// and printable; nothing panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("config_version = 0\njournal_dir = \"j\"\n" + minimal))
	f.Add([]byte("data_dir = \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "/nonexistent/scanpay", Options{LookupEnv: noEnv})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not a *config.Error: %v", err, err)
			}
			return
		}
		var out bytes.Buffer
		if err := c.WriteEffective(&out); err != nil {
			t.Fatalf("accepted but not printable: %v", err)
		}
	})
}

// TestEffectiveSaysWhereTheLogGoesUnderSystemd: without [log] file, the
// service's log goes to the journal under systemd, and check-config says
// so rather than only naming a file that is not written there.
func TestEffectiveSaysWhereTheLogGoesUnderSystemd(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "/etc/scanpay", Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	c.Path = "/etc/scanpay/scanpay.toml"
	for _, file := range []string{"", "/var/log/scanpay.log"} {
		c.Log.File = file
		var out bytes.Buffer
		if err := c.WriteEffective(&out); err != nil {
			t.Fatal(err)
		}
		said := strings.Contains(out.String(), "# under systemd the log goes to the journal (journalctl -u scanpay)")
		if want := runtime.GOOS == "linux" && file == ""; said != want {
			t.Errorf("log.file %q: says the journal %v, want %v:\n%s", file, said, want, out.String())
		}
	}
}
