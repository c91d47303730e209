package statuspage

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestSecurityDocStatesTheSessionLimits: docs/security.md tells a store
// what bounds a leaked status-page cookie; its numbers are the code's.
func TestSecurityDocStatesTheSessionLimits(t *testing.T) {
	doc, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## The status page's cookie reaches every local port")
	if !ok {
		t.Fatal(`docs/security.md has no section "The status page's cookie reaches every local port"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, want := range []string{
		fmt.Sprintf("after %d h unused", int(DefaultSessionTTL.Hours())),
		fmt.Sprintf("at most %d live", maxSessions),
		fmt.Sprintf("works once and for %d s", int(DefaultLinkTTL.Seconds())),
		"in memory only",
		"not scoped by port",
	} {
		if !strings.Contains(strings.Join(strings.Fields(section), " "), want) {
			t.Errorf("the section does not say %q", want)
		}
	}
}
