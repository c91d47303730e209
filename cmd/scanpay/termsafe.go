package main

import (
	"io"
	"strings"

	"github.com/scanpay/scanpay/internal/mask"
)

// termWriter is every CLI output's last guard: control characters other
// than the newline and tab the CLI's own formats use are escaped, so no
// text from the POS, a hook or a wallet can move the cursor, clear the
// screen or overwrite a line. Fields are escaped whole (newlines too) by
// field and text before they are formatted.
type termWriter struct{ w io.Writer }

func (t termWriter) Write(p []byte) (int, error) {
	s := string(p)
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && mask.Terminal(string(r)) != string(r) }) {
		return t.w.Write(p)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		parts := strings.Split(l, "\t")
		for j, part := range parts {
			parts[j] = mask.Terminal(part)
		}
		lines[i] = strings.Join(parts, "\t")
	}
	if _, err := io.WriteString(t.w, strings.Join(lines, "\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}

// field is one value the CLI prints (a lane, an order number): escaped
// so it stays on its line.
func field(s string) string { return mask.Terminal(s) }

// text is free text from the service (a wallet's message, a hook's
// error, a problem): masked as the log masks it, then escaped.
func text(s string) string { return mask.Terminal(mask.Text(s)) }
