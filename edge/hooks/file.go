package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// fileHook writes each receipt as its own JSON file.
type fileHook struct {
	base
	dir string
}

// FileName is the name a receipt is written under: <payment-id>-<state>.json,
// or <payment-id>-refund-<refund-id>.json for a refund's receipt.
func FileName(r Receipt) string {
	if r.RefundID != "" {
		return r.PaymentID + "-refund-" + r.RefundID + ".json"
	}
	return r.PaymentID + "-" + string(r.State) + ".json"
}

func (h *fileHook) Deliver(ctx context.Context, r Receipt) error {
	name := FileName(r)
	if strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") {
		return fmt.Errorf("hook %s: receipt name %q is not a plain file name", h.name, name)
	}
	body, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("hook %s: encode receipt: %w", h.name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(h.dir, 0o750); err != nil {
		return fmt.Errorf("hook %s: cannot create %s: check the hook's dir and its permissions: %w", h.name, h.dir, err)
	}
	if err := writeAtomic(h.dir, name, append(body, '\n')); err != nil {
		return fmt.Errorf("hook %s: write %s: %w", h.name, filepath.Join(h.dir, name), err)
	}
	return nil
}

// removeStaleTemps deletes the temporary files of receipts whose writing a
// crash cut short (a receipt is only ever visible whole, under its final
// name; its delivery is still owed and will be written again). Only files
// of writeAtomic's own pattern are touched; errors are harmless here.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".*.json.tmp*"))
	for _, f := range stale {
		os.Remove(f)
	}
}

// writeAtomic makes a reader see either no file or the whole file, even
// across a power cut: temp file, fsync, rename, fsync the folder.
func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	// Windows cannot open a folder for fsync; NTFS journals the rename.
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
