package config

import (
	"fmt"
)

// CurrentVersion is the config_version this scanpay writes and reads.
// A file without config_version is taken to be current.
const CurrentVersion = 1

// Migration turns a decoded file of version From into version From+1.
type Migration struct {
	From  int
	Note  string // what changed, told to the operator
	Apply func(tree map[string]any) error
}

// migrations, oldest first. Version 0 is the pre-release layout, which
// named the journal folder journal_dir; it exists as much to keep this
// framework exercised as for the few test installs that used it.
var migrations = []Migration{
	{From: 0, Note: "renamed journal_dir to data_dir", Apply: renameKey("journal_dir", "data_dir")},
}

// renameKey moves a top-level key, refusing to overwrite the new one.
func renameKey(from, to string) func(map[string]any) error {
	return func(tree map[string]any) error {
		v, ok := tree[from]
		if !ok {
			return nil
		}
		if _, both := tree[to]; both {
			return fmt.Errorf("both %s and %s are set: keep only %s", from, to, to)
		}
		tree[to] = v
		delete(tree, from)
		return nil
	}
}

// migrate brings tree from version from up to CurrentVersion with ms and
// returns the notes of the steps taken.
func migrate(tree map[string]any, from int, ms []Migration) ([]string, error) {
	var notes []string
	for v := from; v < CurrentVersion; v++ {
		var step *Migration
		for i := range ms {
			if ms[i].From == v {
				step = &ms[i]
			}
		}
		if step == nil {
			return notes, fmt.Errorf("config_version = %d cannot be migrated (no step from version %d): rewrite the file from packaging/scanpay.example.toml", from, v)
		}
		if err := step.Apply(tree); err != nil {
			return notes, fmt.Errorf("migrating config_version %d to %d: %w", v, v+1, err)
		}
		notes = append(notes, fmt.Sprintf("config_version %d → %d: %s", v, v+1, step.Note))
	}
	tree["config_version"] = int64(CurrentVersion)
	return notes, nil
}
